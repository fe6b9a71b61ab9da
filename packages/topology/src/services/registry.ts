import type { ServiceDefinition } from '../supervisor/types.js'
import { catalogServiceFactory } from './catalog-services.js'
import { orderServices, type ServiceFactory } from './order-services.js'
import type { TopologyServiceContext } from './shared/context.js'

export type { ServiceFactory } from './order-services.js'

/** The catalog side's services (catalog-admin, relay-catalog, catalog-query, search). */
export const catalogServices: readonly ServiceFactory[] = [catalogServiceFactory]

/** Every service factory of the topology, catalog side first. */
export function serviceFactories(): readonly ServiceFactory[] {
  return [...catalogServices, ...orderServices]
}

/** Every service of the topology for one run, in registration order (the supervisor orders them by `dependsOn`). */
export function topologyServices(ctx: TopologyServiceContext): ServiceDefinition[] {
  return serviceFactories().flatMap((factory) => factory(ctx))
}
