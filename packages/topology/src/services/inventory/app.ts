import { createParticipant } from '@faultline/saga-kit'
import type { ServiceApp } from '../../wiring/http/create-service-app.js'
import type { BaseServiceConfig } from '../../wiring/http/service-config.js'
import { orderSideConfigSchema, type OrderSideConfig } from '../shared/order-side/config.js'
import { CHANNELS } from '../shared/order-side/names.js'
import { startOrderSideService } from '../shared/order-side/order-side-service.js'
import { INVENTORY_MIGRATIONS } from './migrations.js'
import { inventoryParticipant } from './participant.js'
import { createProductStockConsumer } from './product-consumer.js'
import { registerInventoryRoutes } from './routes.js'

/** The inventory service's config schema (the order side's shared fields only). */
export const INVENTORY_CONFIG_SCHEMA = orderSideConfigSchema()

/**
 * The inventory service: the saga participant that reserves and releases stock (its inbox,
 * effect and reply commit in one transaction), the consumer that opens stock for products the
 * catalog creates, stock admin and the ops snapshot.
 */
export async function buildInventoryApp(
  config: BaseServiceConfig & OrderSideConfig,
): Promise<ServiceApp> {
  const base = await startOrderSideService(config, {
    kind: 'inventory',
    migrations: INVENTORY_MIGRATIONS,
    channels: [CHANNELS.inventory, CHANNELS.product],
    consumers: ['inventory-commands', 'product-events'],
  })
  const { svc, messaging, logger } = base
  const participant = createParticipant({
    db: messaging.pool,
    transport: messaging.transport,
    definition: inventoryParticipant,
    logger,
  })
  await participant.listen()
  base.subscribed('inventory-commands')
  const products = createProductStockConsumer(config, messaging, logger)
  await products.start()
  base.subscribed('product-events')
  registerInventoryRoutes(svc.app, messaging.pool)
  svc.onShutdown('participant', () => participant.close())
  svc.onShutdown('product-events', () => products.stop())
  svc.onShutdown('messaging', () => messaging.close())
  return svc
}
