/**
 * The names a scenario may use, as const lists so that validation can name the valid choices.
 * They mirror the topology (CONTRACTS.md) and the history's `OperationName`; `@faultline/cli`
 * asserts at compile time that its operation names and these stay equal.
 */

/** The operations the built-in workloads perform (see `history/events.ts` in `@faultline/cli`). */
export const BUILT_IN_OPERATIONS = [
  'read-product',
  'read-products',
  'list-category',
  'write-product',
  'delete-product',
  'place-order',
  'get-order',
  'search',
  'auth-probe',
  'fuzz',
] as const

/** A built-in operation name. */
export type BuiltInOperation = (typeof BUILT_IN_OPERATIONS)[number]

/** The topology's services. */
export const SERVICE_NAMES = [
  'auth',
  'catalog-admin',
  'catalog-query',
  'orders',
  'inventory',
  'payments',
  'shipping',
  'search',
] as const

/** A service of the topology. */
export type ServiceName = (typeof SERVICE_NAMES)[number]

/** The backing processes infra runs, each of which can be killed, paused and restarted. */
export const INFRA_PROCESSES = ['postgres', 'postgres-replica', 'redis', 'kafka'] as const

/** A backing process. */
export type InfraProcess = (typeof INFRA_PROCESSES)[number]

/**
 * The outbox relays, one process per producing service's database, each of which can be killed,
 * paused and restarted like a service.
 */
export const RELAY_PROCESSES = [
  'relay-catalog',
  'relay-orders',
  'relay-inventory',
  'relay-payments',
  'relay-shipping',
] as const

/** An outbox relay process. */
export type RelayProcess = (typeof RELAY_PROCESSES)[number]

/** The services that run several instances and can be scaled. */
export const SCALABLE_SERVICES = ['catalog-query'] as const

/** A service that can be scaled. */
export type ScalableService = (typeof SCALABLE_SERVICES)[number]

/** What a process fault can hit. */
export type ProcessTarget = InfraProcess | ServiceName | RelayProcess

/** One end of a link: a service, a backing process or the load balancer. */
export type LinkEnd = ServiceName | InfraProcess | 'lb'

/** A network link a fault proxy sits on, `from->to`, e.g. `catalog-query->redis`. */
export type LinkName = `${LinkEnd}->${LinkEnd}`

/** The ends a link may name. */
export const LINK_ENDS: readonly LinkEnd[] = [...SERVICE_NAMES, ...INFRA_PROCESSES, 'lb']

/** Process faults. `kill` and `pause` last `duration` (or to the end of load); `restart` is instant. */
export const PROCESS_FAULT_KINDS = ['kill', 'pause', 'restart'] as const

/** Network faults, one per fault-proxy toxic (names and meaning follow Toxiproxy). */
export const LINK_FAULT_KINDS = [
  'latency',
  'bandwidth',
  'slicer',
  'timeout',
  'reset_peer',
  'limit_data',
  'down',
] as const

/**
 * Cache faults: `herd` makes one product's key cold and sends concurrent reads of it (a herd the
 * cache must answer with one loader call across every node, C4).
 */
export const CACHE_FAULT_KINDS = ['herd'] as const

/** Every fault kind. */
export const FAULT_KINDS = [
  ...PROCESS_FAULT_KINDS,
  'scale',
  ...LINK_FAULT_KINDS,
  ...CACHE_FAULT_KINDS,
] as const

/** The guarantee ids of DESIGN.md. */
export const GUARANTEE_IDS = [
  'C1',
  'C2',
  'C3',
  'C4',
  'C5',
  'S1',
  'S2',
  'S3',
  'S4',
  'G1',
  'G2',
  'G3',
  'G4',
  'R1',
  'R2',
] as const

/** A guarantee id of DESIGN.md. */
export type GuaranteeId = (typeof GUARANTEE_IDS)[number]
