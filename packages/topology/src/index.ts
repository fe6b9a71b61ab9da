/** The package version, so callers can log what they run. */
export const VERSION = '0.0.0'

export { TopologyError, isTopologyError } from './errors.js'
export type { TopologyErrorCode, TopologyErrorContext } from './errors.js'

export {
  PROBE_ROUTE_CONFIG,
  createServiceApp,
  isProbeRoute,
} from './wiring/http/create-service-app.js'
export type {
  ServiceApp,
  ServiceAppOptions,
  ServicePlugin,
} from './wiring/http/create-service-app.js'
export type { CheckOutcome, ReadinessCheck, ReadinessReport } from './wiring/http/readiness.js'
export type { HookOutcome, ShutdownHook, ShutdownReport } from './wiring/http/shutdown.js'
export type { ErrorBody } from './wiring/http/error-handler.js'
export { HttpError, httpError } from './wiring/http/http-error.js'
export { SERVICE_CONFIG_ENV, readServiceConfig } from './wiring/http/service-config.js'
export type { BaseServiceConfig, ObjectSchema } from './wiring/http/service-config.js'
export { EXIT_BAD_CONFIG, runService } from './wiring/http/run-service.js'
export type { ListeningEvent, RunServiceOptions } from './wiring/http/run-service.js'

export { createSupervisor } from './supervisor/supervisor.js'
export type { Supervisor, SupervisorOptions } from './supervisor/supervisor.js'
export type { ServiceGroup } from './supervisor/service-group.js'
export type { ServiceInstance } from './supervisor/service-instance.js'
export type { RestartPolicy } from './supervisor/restart-policy.js'
export type {
  InstanceInfo,
  InstanceState,
  ProbeTls,
  ServiceDefinition,
  SupervisorEvent,
} from './supervisor/types.js'

export { createLoadBalancer } from './lb/create-load-balancer.js'
export type { LbProviderChoice, LbTlsOptions, LoadBalancerOptions } from './lb/options.js'
export type { Backend, LbProviderName, LoadBalancer } from './lb/types.js'

export { startTopology } from './start-topology/start-topology.js'
export type { StartTopologyOptions } from './start-topology/options.js'
export type {
  ExternalIssuerOptions,
  LocalIssuerOptions,
  TopologyAuth,
  TopologyAuthOptions,
} from './start-topology/auth.js'
export type { TopologyHandle, TopologyService } from './start-topology/handle.js'
export type { TopologyInfra } from './start-topology/infra.js'
export { DEFAULT_CATEGORIES, seedProducts } from './start-topology/seed.js'
export { LINK_BACKENDS } from './start-topology/links.js'
export type { LinkProxy } from './start-topology/links.js'
export type { SeedOptions, SeededCatalog } from './start-topology/seed.js'
export { serviceFactories, topologyServices } from './services/registry.js'
export type { ServiceFactory } from './services/registry.js'
export type {
  DatabaseUrls,
  TopologyDatabaseName,
  TopologyInfraUrls,
  TopologyServiceContext,
} from './services/shared/context.js'
export type { Product, ProductChangedPayload } from './services/shared/product.js'
export { CONSISTENCY_TOKEN_HEADER } from './services/shared/consistency.js'

export {
  createKeySet,
  createTokenMinter,
  importKeySet,
  isRole,
  mintToken,
  ROLES,
} from './wiring/auth/index.js'
export type {
  KeySet,
  KeySetDocument,
  MintTokenOptions,
  MintTokenRequest,
  Role,
  RouteAccess,
  TokenMinter,
  TokenMinterOptions,
} from './wiring/auth/index.js'
export { ROUTE_ACCESS } from './services/shared/route-access.js'
export type { ServiceKind } from './services/shared/route-access.js'
export type { ServiceAuthConfig } from './services/shared/service-auth.js'
