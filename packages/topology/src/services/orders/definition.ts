import type { ServiceDefinition } from '../../supervisor/types.js'
import type { TopologyServiceContext } from '../shared/context.js'
import {
  entryOf,
  orderSideRelay,
  serviceDefinition,
  type OrderSideOptions,
} from '../shared/order-side/definitions.js'
import { CHANNELS } from '../shared/order-side/names.js'

/** `orders` and `relay-orders`. Orders starts once its relay and both participants are ready. */
export function ordersServices(
  ctx: TopologyServiceContext,
  options: OrderSideOptions = {},
): ServiceDefinition[] {
  const orders = serviceDefinition(ctx, 'orders', options, {
    name: 'orders',
    entry: entryOf(import.meta.url, './main'),
    dependsOn: ['relay-orders', 'inventory', 'payments'],
    config: { stepTimeoutMs: options.stepTimeoutMs ?? 30_000, poolMax: 20 },
  })
  return [
    orderSideRelay(ctx, 'orders', options, [CHANNELS.inventory, CHANNELS.payments, CHANNELS.order]),
    orders,
  ]
}
