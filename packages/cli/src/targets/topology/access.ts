import type { TopologyHandle } from '@faultline/topology'
import type { StateDatabaseName, TopologyStateFile } from './state-file.js'

/**
 * What the adapter needs of a running topology, whether it started it (a `TopologyHandle`) or
 * attaches to one `faultline up` started (its state file). Faults that need the supervisor
 * (restart a service, scale) are only available with a handle.
 */
export interface TopologyAccess {
  /** Base URL per service (first instance), plus `catalog-query-lb`. */
  readonly endpoints: Readonly<Record<string, string>>
  readonly databases: Readonly<
    Record<StateDatabaseName, { readonly url: string; readonly replicaUrl: string }>
  >
  readonly kafkaBrokers: readonly string[]
  readonly namespace: string
  /** Set when this process started the topology (or was given its handle). */
  readonly handle?: TopologyHandle
  /** Pids by process name, when attached through a state file. */
  readonly pids?: Readonly<Record<string, number>>
}

/** Access through a handle. */
export function accessOfHandle(handle: TopologyHandle, namespace: string): TopologyAccess {
  return {
    get endpoints() {
      return handle.endpoints()
    },
    databases: handle.databases,
    kafkaBrokers: handle.infra.kafka.brokers,
    namespace,
    handle,
  }
}

/** Access through `faultline up`'s state file. */
export function accessOfStateFile(state: TopologyStateFile): TopologyAccess {
  return {
    endpoints: state.endpoints,
    databases: state.databases,
    kafkaBrokers: state.kafkaBrokers,
    namespace: state.namespace,
    pids: state.pids,
  }
}

/** The catalog's read entry point (the balancer), else the first catalog-query. */
export function readOrigin(access: TopologyAccess): string {
  const endpoints = access.endpoints
  return endpoints['catalog-query-lb'] ?? endpoints['catalog-query'] ?? ''
}
