import type { ServiceDefinition } from '../supervisor/types.js'
import type { TopologyServiceContext } from './shared/context.js'

/** Describes one or more services' processes for a topology run. */
export type ServiceFactory = (ctx: TopologyServiceContext) => ServiceDefinition[]

/**
 * The order side's services (orders, inventory, payments, shipping and their relays). Owned by
 * the order side of the topology; `registry.ts` appends them to the catalog side's.
 */
export const orderServices: readonly ServiceFactory[] = []
