import type { ServiceDefinition } from '../../supervisor/types.js'
import type { TopologyServiceContext } from '../shared/context.js'
import {
  entryOf,
  orderSideRelay,
  serviceDefinition,
  type OrderSideOptions,
} from '../shared/order-side/definitions.js'
import { CHANNELS } from '../shared/order-side/names.js'
import { NO_CHAOS } from './chaos.js'

/** `payments` and `relay-payments`; the chaos knobs start as `options.chaos` says. */
export function paymentsServices(
  ctx: TopologyServiceContext,
  options: OrderSideOptions = {},
): ServiceDefinition[] {
  const payments = serviceDefinition(ctx, 'payments', options, {
    name: 'payments',
    entry: entryOf(import.meta.url, './main'),
    dependsOn: ['relay-payments'],
    config: { chaos: { ...NO_CHAOS, ...options.chaos }, seed: ctx.seed >>> 0 },
  })
  return [orderSideRelay(ctx, 'payments', options, [CHANNELS.replies]), payments]
}
