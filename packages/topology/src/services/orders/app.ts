import { createOrchestrator } from '@faultline/saga-kit'
import type { ServiceApp } from '../../wiring/http/create-service-app.js'
import type { BaseServiceConfig } from '../../wiring/http/service-config.js'
import { orderSideConfigSchema, type OrderSideConfig } from '../shared/order-side/config.js'
import { CHANNELS } from '../shared/order-side/names.js'
import { startOrderSideService } from '../shared/order-side/order-side-service.js'
import { ORDERS_MIGRATIONS } from './migrations.js'
import { defineOrderSaga } from './order-saga.js'
import { registerOrderRoutes } from './routes.js'

/** The orders service's own configuration. */
export interface OrdersConfig extends OrderSideConfig {
  /** How long inventory or payments has to answer one attempt of a command. @default 30000 */
  readonly stepTimeoutMs: number
}

/** The orders service's config schema. */
export const ORDERS_CONFIG_SCHEMA = orderSideConfigSchema({
  stepTimeoutMs: { type: 'integer', minimum: 100, maximum: 600_000, default: 30_000 },
})

/**
 * The orders service: `POST /orders` (Idempotency-Key), `GET /orders/:id`, `GET /ops/state`,
 * and the OrderSaga orchestrator, which takes the participants' replies from Kafka and shares
 * due sagas (timeouts, retries, a dead instance's sagas) with the other instances by lease.
 */
export async function buildOrdersApp(
  config: BaseServiceConfig & OrdersConfig,
): Promise<ServiceApp> {
  const base = await startOrderSideService(config, {
    kind: 'orders',
    migrations: ORDERS_MIGRATIONS,
    channels: [CHANNELS.replies],
    consumers: ['saga-replies'],
  })
  const { svc, messaging, logger } = base
  const saga = defineOrderSaga({
    transport: messaging.transport,
    stepTimeoutMs: config.stepTimeoutMs,
  })
  const orchestrator = createOrchestrator({
    db: messaging.pool,
    sagas: [saga],
    transport: messaging.transport,
    logger,
    ownerId: `${config.instance}:${process.pid}`,
  })
  await orchestrator.listen()
  base.subscribed('saga-replies')
  registerOrderRoutes(svc.app, messaging.pool, orchestrator)
  svc.onShutdown('orchestrator', () => orchestrator.close())
  svc.onShutdown('messaging', () => messaging.close())
  return svc
}
