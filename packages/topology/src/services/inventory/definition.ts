import type { ServiceDefinition } from '../../supervisor/types.js'
import type { TopologyServiceContext } from '../shared/context.js'
import {
  entryOf,
  orderSideRelay,
  serviceDefinition,
  type OrderSideOptions,
} from '../shared/order-side/definitions.js'
import { CHANNELS } from '../shared/order-side/names.js'

/** `inventory` and `relay-inventory`. */
export function inventoryServices(
  ctx: TopologyServiceContext,
  options: OrderSideOptions = {},
): ServiceDefinition[] {
  const inventory = serviceDefinition(ctx, 'inventory', options, {
    name: 'inventory',
    entry: entryOf(import.meta.url, './main'),
    dependsOn: ['relay-inventory'],
  })
  return [orderSideRelay(ctx, 'inventory', options, [CHANNELS.replies]), inventory]
}
