import type { ServiceApp } from '../../wiring/http/create-service-app.js'
import type { BaseServiceConfig } from '../../wiring/http/service-config.js'
import { orderSideConfigSchema, type OrderSideConfig } from '../shared/order-side/config.js'
import { CHANNELS } from '../shared/order-side/names.js'
import { startOrderSideService } from '../shared/order-side/order-side-service.js'
import { SHIPPING_MIGRATIONS } from './migrations.js'
import { createShippingReactor } from './reactor.js'
import { registerShippingRoutes } from './routes.js'

/** The shipping service's config schema (the order side's shared fields only). */
export const SHIPPING_CONFIG_SCHEMA = orderSideConfigSchema()

/** The shipping service: reacts to `order.approved` with a shipment and `shipment.created`. */
export async function buildShippingApp(
  config: BaseServiceConfig & OrderSideConfig,
): Promise<ServiceApp> {
  const base = await startOrderSideService(config, {
    kind: 'shipping',
    migrations: SHIPPING_MIGRATIONS,
    channels: [CHANNELS.order],
    consumers: ['order-events'],
  })
  const { svc, messaging } = base
  const reactor = createShippingReactor(messaging.pool, messaging.transport)
  await reactor.listen()
  base.subscribed('order-events')
  registerShippingRoutes(svc.app, messaging.pool)
  svc.onShutdown('reactor', () => reactor.close())
  svc.onShutdown('messaging', () => messaging.close())
  return svc
}
