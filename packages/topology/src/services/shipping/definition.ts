import type { ServiceDefinition } from '../../supervisor/types.js'
import type { TopologyServiceContext } from '../shared/context.js'
import {
  entryOf,
  relayDefinition,
  serviceDefinition,
  type OrderSideOptions,
} from '../shared/order-side/definitions.js'

/** `shipping` and `relay-shipping`. */
export function shippingServices(
  ctx: TopologyServiceContext,
  options: OrderSideOptions = {},
): ServiceDefinition[] {
  const shipping = serviceDefinition(ctx, 'shipping', options, {
    name: 'shipping',
    entry: entryOf(import.meta.url, './main'),
    dependsOn: ['relay-shipping'],
  })
  return [relayDefinition(ctx, 'shipping', options), shipping]
}
