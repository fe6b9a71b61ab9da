import type { ServiceDefinition } from '../../supervisor/types.js'
import type { TopologyServiceContext } from '../shared/context.js'
import {
  entryOf,
  orderSideRelay,
  serviceDefinition,
  type OrderSideOptions,
} from '../shared/order-side/definitions.js'
import { CHANNELS } from '../shared/order-side/names.js'

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
  return [orderSideRelay(ctx, 'shipping', options, [CHANNELS.shipment]), shipping]
}
