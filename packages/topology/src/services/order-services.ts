import type { ServiceDefinition } from '../supervisor/types.js'
import { inventoryServices } from './inventory/definition.js'
import { ordersServices } from './orders/definition.js'
import { paymentsServices } from './payments/definition.js'
import type { OrderSideOptions } from './shared/order-side/definitions.js'
import type { TopologyServiceContext } from './shared/context.js'
import { shippingServices } from './shipping/definition.js'

export type { OrderSideOptions } from './shared/order-side/definitions.js'

/** Describes one or more services' processes for a topology run. */
export type ServiceFactory = (ctx: TopologyServiceContext) => ServiceDefinition[]

/**
 * The order side's services: orders, inventory, payments and shipping, each with its database's
 * relay (relay-orders, relay-inventory, relay-payments, relay-shipping). `registry.ts` appends
 * them to the catalog side's.
 */
export const orderServices: readonly ServiceFactory[] = [
  (ctx) => ordersServices(ctx),
  (ctx) => inventoryServices(ctx),
  (ctx) => paymentsServices(ctx),
  (ctx) => shippingServices(ctx),
]

/** Every order-side service with `options` (tests and the CLI tune them this way). */
export function orderSideServices(
  ctx: TopologyServiceContext,
  options: OrderSideOptions = {},
): ServiceDefinition[] {
  return [
    ...ordersServices(ctx, options),
    ...inventoryServices(ctx, options),
    ...paymentsServices(ctx, options),
    ...shippingServices(ctx, options),
  ]
}
