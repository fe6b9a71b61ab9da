import { createParticipant } from '@faultline/saga-kit'
import type { ServiceApp } from '../../wiring/http/create-service-app.js'
import type { BaseServiceConfig } from '../../wiring/http/service-config.js'
import { orderSideConfigSchema, type OrderSideConfig } from '../shared/order-side/config.js'
import { CHANNELS } from '../shared/order-side/names.js'
import { startOrderSideService } from '../shared/order-side/order-side-service.js'
import { Chaos, NO_CHAOS, type ChaosSettings } from './chaos.js'
import { PAYMENTS_MIGRATIONS } from './migrations.js'
import { paymentsParticipant } from './participant.js'
import { CHAOS_PROPERTIES, registerPaymentsRoutes } from './routes.js'

/** The payments service's own configuration. */
export interface PaymentsConfig extends OrderSideConfig {
  /** The knobs at start. @default no faults */
  readonly chaos: ChaosSettings
  /** Seeds the decline decisions. @default 1 */
  readonly seed: number
}

/** The payments service's config schema. */
export const PAYMENTS_CONFIG_SCHEMA = orderSideConfigSchema({
  chaos: {
    type: 'object',
    properties: CHAOS_PROPERTIES,
    additionalProperties: false,
    default: { ...NO_CHAOS },
  },
  seed: { type: 'integer', minimum: 0, maximum: 4_294_967_295, default: 1 },
})

/**
 * The payments service: the saga participant that charges and refunds, with chaos knobs
 * (decline rate, added latency, hang) that `PUT /admin/chaos` changes while it runs.
 */
export async function buildPaymentsApp(
  config: BaseServiceConfig & PaymentsConfig,
): Promise<ServiceApp> {
  const base = await startOrderSideService(config, {
    kind: 'payments',
    migrations: PAYMENTS_MIGRATIONS,
    channels: [CHANNELS.payments],
    consumers: ['payments-commands'],
  })
  const { svc, messaging, logger } = base
  const chaos = new Chaos({ ...NO_CHAOS, ...config.chaos }, config.seed)
  const participant = createParticipant({
    db: messaging.pool,
    transport: messaging.transport,
    definition: paymentsParticipant(chaos),
    logger,
  })
  await participant.listen()
  base.subscribed('payments-commands')
  registerPaymentsRoutes(svc.app, messaging.pool, chaos)
  // Hung commands must give up first, or the consumer could not stop.
  svc.onShutdown('chaos', () => chaos.close())
  svc.onShutdown('participant', () => participant.close())
  svc.onShutdown('messaging', () => messaging.close())
  return svc
}
