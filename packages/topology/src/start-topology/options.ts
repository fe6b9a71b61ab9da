import type { Logger } from '@faultline/common'
import { TopologyError } from '../errors.js'
import type { LbProviderChoice } from '../lb/options.js'
import type { SupervisorEvent } from '../supervisor/types.js'
import { checkAuthOptions, type TopologyAuthOptions } from './auth.js'
import type { TopologyInfra } from './infra.js'
import type { SeedOptions } from './seed.js'

/** Options of `startTopology`. */
export interface StartTopologyOptions {
  /** Servers to run on; started (and stopped with the topology) when absent. */
  readonly infra?: TopologyInfra
  /** The standby's apply delay when infra is started here. @default 0 */
  readonly replicaApplyDelayMs?: number
  /** Only these services (and what they depend on). @default every registered service */
  readonly services?: readonly string[]
  /** Instances per service. @default { 'catalog-query': 3 } */
  readonly replicas?: Readonly<Record<string, number>>
  /** The run's seed: seed data and any randomness derive from it. @default 1 */
  readonly seed?: number
  /** Seeded products: a count, or count, categories and stock. @default 200 */
  readonly products?: number | SeedOptions
  /** The catalog-query balancer. @default 'auto' (nginx when installed) */
  readonly lb?: LbProviderChoice
  /** Logs and generated configs; a temp dir removed at exit when absent. */
  readonly runDir?: string
  /** Prefix of topics, groups and cache keys. @default '' */
  readonly namespace?: string
  /**
   * Links to route through a fault proxy, `<service>-><backend>` with backend `postgres`,
   * `postgres-replica` or `redis` (e.g. `catalog-query->redis`): that service is given the proxy's
   * address; `handle.link(name)` puts toxics on it. @default none
   */
  readonly links?: readonly string[]
  /**
   * Who issues the bearer tokens every service route needs. By default `startTopology` makes a
   * key set, serves its JWKS on loopback and mints tokens with it (`handle.mintToken()`); pass
   * `{ keySet }` to use your keys, or `{ jwksUrl, minter }` for an external IdP. @default {}
   */
  readonly auth?: TopologyAuthOptions
  /** Register test-only fault routes in the services. @default false */
  readonly testHooks?: boolean
  /** Supervisor lifecycle events. */
  readonly onEvent?: (event: SupervisorEvent) => void
  /** Told about infra, the balancer and progress. @default silentLogger */
  readonly logger?: Logger
}

/** The default instance counts. */
export const DEFAULT_REPLICAS: Readonly<Record<string, number>> = { 'catalog-query': 3 }

function invalid(option: string, message: string): TopologyError {
  return new TopologyError('E_TOPOLOGY_INVALID_OPTION', `startTopology(): ${option} ${message}`, {
    context: { option },
  })
}

/** Checks the options before anything starts, naming the option and the allowed range. */
export function checkStartOptions(options: StartTopologyOptions): void {
  for (const [name, count] of Object.entries(options.replicas ?? {}))
    if (!Number.isInteger(count) || count < 1 || count > 32)
      throw invalid(`replicas['${name}']`, `must be an integer from 1 to 32, got ${String(count)}`)
  const delay = options.replicaApplyDelayMs
  if (delay !== undefined && options.infra !== undefined)
    throw invalid(
      'replicaApplyDelayMs',
      'applies only when startTopology starts infra; pass it to startPostgres instead',
    )
  if (options.seed !== undefined && !Number.isSafeInteger(options.seed))
    throw invalid('seed', `must be a safe integer, got ${String(options.seed)}`)
  const count = typeof options.products === 'number' ? options.products : options.products?.count
  if (count !== undefined && (!Number.isInteger(count) || count < 0 || count > 100_000))
    throw invalid('products', `must be a count from 0 to 100000, got ${String(count)}`)
  if (options.namespace !== undefined && !/^[a-z0-9._-]{0,32}$/.test(options.namespace))
    throw invalid('namespace', `must match /^[a-z0-9._-]{0,32}$/, got ${options.namespace}`)
  checkAuthOptions(options.auth)
}
