import type { Duration } from './duration.js'
import type {
  BuiltInOperation,
  GuaranteeId,
  InfraProcess,
  LinkName,
  ProcessTarget,
  ScalableService,
  ServiceName,
} from './names.js'

/** How an operation ended, as the history records it (see `CompletionEvent` in `@faultline/cli`). */
export interface OperationResult {
  /** `ok` took effect, `fail` certainly did not, `info` unknown (a timeout, a reset mid-request). */
  readonly type: 'ok' | 'fail' | 'info'
  readonly key?: string
  readonly value?: unknown
  readonly status?: number
  readonly error?: string
}

/** A minimal HTTP client handed to user operations (undici keep-alive pools underneath). */
export interface ScenarioHttp {
  request(
    url: string,
    init?: {
      readonly method?: string
      readonly headers?: Readonly<Record<string, string>>
      /** A string is sent as is; anything else as JSON. */
      readonly body?: unknown
    },
  ): Promise<{ readonly status: number; readonly body: string; json(): unknown }>
}

/** What a user-defined operation gets for one call. */
export interface UserOperationContext {
  /** The logical client; it never has two operations open at once. */
  readonly process: number
  /** The run's seeded randomness for this workload; use it, not `Math.random`, to stay replayable. */
  readonly random: () => number
  /** Aborted when the run stops or the operation times out. */
  readonly signal: AbortSignal
  /** Base URLs the target exposes, e.g. `{ catalogQuery: 'http://127.0.0.1:4100' }`. */
  readonly endpoints: Readonly<Record<string, string>>
  readonly http: ScenarioHttp
}

/** A user-defined operation: `invoke` picks what to record before the call, `run` performs it. */
export interface UserOperation {
  /** Picks what the invoke records; called in arrival order (even for sends later dropped) so the mix replays. */
  invoke?(ctx: { readonly random: () => number }): {
    readonly key?: string
    readonly value?: unknown
  }
  run(ctx: UserOperationContext): Promise<OperationResult>
}

/** One entry of a workload's operation mix. */
export type OperationMix =
  | { readonly op: BuiltInOperation; readonly weight?: number; readonly run?: undefined }
  /** A custom operation: any name, performed by `run`. */
  | {
      readonly op: string
      readonly weight?: number
      readonly run: UserOperation['run']
      readonly invoke?: UserOperation['invoke']
    }

/** One step of an open workload's arrival rate; the rate moves linearly to `target` over `duration`. */
export interface Stage {
  /** Arrivals per `timeUnit` at the end of the stage. */
  readonly target: number
  readonly duration: Duration
}

/**
 * Open model, like k6's `ramping-arrival-rate`: operations start at the scheduled rate whether or
 * not earlier ones have finished, and latency is measured from each one's intended start.
 */
export interface OpenWorkload {
  readonly name: string
  readonly model: 'open'
  /** Arrivals per `timeUnit` at the start. @default 0 */
  readonly startRate?: number
  /** @default '1s' */
  readonly timeUnit?: Duration
  readonly stages: readonly Stage[]
  /** Client processes made ready before the start. @default min(maxInFlight, 10) */
  readonly preAllocated?: number
  /** At most this many operations in flight; past it, arrivals queue and go out late. */
  readonly maxInFlight: number
  /** Arrivals that may wait for a free process; past it they are dropped. @default maxInFlight * 10 */
  readonly maxBacklog?: number
  /** An operation with no answer by then ends as `info`. @default '10s' */
  readonly timeout?: Duration
  readonly operations: readonly OperationMix[]
}

/**
 * Closed model (autocannon): `connections` keep one request each in flight for `duration`, for
 * raw throughput. Its requests feed the metrics but not the history, so checkers do not see them.
 */
export interface ClosedWorkload {
  readonly name: string
  readonly model: 'closed'
  readonly connections: number
  readonly duration: Duration
  /** Requests per connection in flight. @default 1 */
  readonly pipelining?: number
  /** @default '10s' */
  readonly timeout?: Duration
  /** Built-in operations only: the target turns each into an HTTP request. */
  readonly operations: readonly { readonly op: BuiltInOperation; readonly weight?: number }[]
}

/** A workload of the scenario. */
export type Workload = OpenWorkload | ClosedWorkload

/** When a fault happens: at a fixed time, or at a time picked from the seed within a window. */
export type FaultTiming =
  | { readonly at: Duration; readonly within?: undefined }
  | { readonly within: readonly [Duration, Duration]; readonly at?: undefined }

/** Fields every fault has. */
export interface FaultCommon {
  /** How long it lasts; without it, until the load ends. Not allowed for `restart`. */
  readonly duration?: Duration
  /** Repeat the fault `times` times, each `every` after the previous one. */
  readonly repeat?: { readonly every: Duration; readonly times: number }
}

/** Kill (SIGKILL, restarted when it ends), pause (SIGSTOP, then SIGCONT) or restart a process. */
export type ProcessFault = FaultTiming &
  FaultCommon & {
    readonly kind: 'kill' | 'pause' | 'restart'
    readonly target: ProcessTarget
    /** For a service: which instance (0-based), or `'any'` picked from the seed. @default 0 */
    readonly instance?: number | 'any'
  }

/** Scale a service to `instances` for the fault's duration, then back. */
export type ScaleFault = FaultTiming &
  FaultCommon & {
    readonly kind: 'scale'
    readonly target: ScalableService
    readonly instances: number
  }

/** Fields of every network fault. */
export interface LinkCommon {
  readonly link: LinkName
  /** @default 'downstream' */
  readonly stream?: 'upstream' | 'downstream'
  /** Share of connections affected, 0..1. @default 1 */
  readonly toxicity?: number
}

/** A network fault on a link, one per fault-proxy toxic. */
export type LinkFault = FaultTiming &
  FaultCommon &
  LinkCommon &
  (
    | { readonly kind: 'latency'; readonly latency: Duration; readonly jitter?: Duration }
    | { readonly kind: 'bandwidth'; readonly rateKBps: number }
    | { readonly kind: 'slicer'; readonly averageSize: number; readonly sizeVariation?: number }
    | { readonly kind: 'timeout'; readonly timeout: Duration }
    | { readonly kind: 'reset_peer'; readonly timeout?: Duration }
    | { readonly kind: 'limit_data'; readonly bytes: number }
    | { readonly kind: 'down' }
  )

/**
 * A herd on one product's key: at the start the key is made cold on every catalog-query node (a
 * write of the product, whose invalidation reaches every node), then `readers` concurrent reads
 * of it go out. The window (start to end) is what the herd checker (C4) judges: the cache must
 * answer the herd with one loader call across all nodes.
 */
export type HerdFault = FaultTiming &
  FaultCommon & {
    readonly kind: 'herd'
    /**
     * Which seeded product, 0-based, below `topology.products`; 0 is the one the built-in
     * workloads read most. @default 0
     */
    readonly product?: number
    /** Concurrent reads of the key sent at the start, 1 to 1000. */
    readonly readers: number
  }

/** A fault of the schedule. */
export type FaultSpec = ProcessFault | ScaleFault | LinkFault | HerdFault

/** A checker by name, or with options. Names are those of the CLI's checker registry. */
export type CheckSpec =
  string | { readonly name: string; readonly options?: Readonly<Record<string, unknown>> }

/**
 * Thresholds in k6 syntax: a metric, optionally with tags, to a list of conditions, e.g.
 * `'http_req_duration{op:read-product}': ['p(99)<50']`, `'stale_reads': ['count==0']`.
 */
export type Thresholds = Readonly<Record<string, readonly string[]>>

/** The topology a scenario needs. */
export interface TopologyRequirements {
  /** Instances per scalable service. @default { 'catalog-query': 1 } */
  readonly replicas?: Partial<Readonly<Record<ScalableService, number>>>
  /** TLS between services. @default false */
  readonly tls?: boolean
  /** Which load balancer. @default 'auto' */
  readonly lb?: 'nginx' | 'node' | 'auto'
  /** Services the scenario needs running; default: all. */
  readonly services?: readonly ServiceName[]
  /** A replica lag to hold the Postgres replica at (`recovery_min_apply_delay`). */
  readonly replicaDelay?: Duration
  /** Products seeded before the load, across categories. @default 200 */
  readonly products?: number
  /** Units of stock each seeded product starts with. @default 1000 */
  readonly stock?: number
  /** Share of charges the payments service declines, 0..1 (its chaos knob). @default 0 */
  readonly paymentFailureRate?: number
}

/** What `--smoke` changes: a short (at most 60 s of load) variant that still proves something. */
export interface SmokeOverrides {
  /** Scale every stage, fault time and closed duration so the load lasts this long. */
  readonly duration?: Duration
  /** Scale every rate so the peak arrival rate is this (per second). */
  readonly rate?: number
  readonly load?: readonly Workload[]
  readonly faults?: readonly FaultSpec[]
  readonly checks?: readonly CheckSpec[]
  readonly thresholds?: Thresholds
}

/** A scenario as written: the argument of `defineScenario()`. */
export interface ScenarioInput {
  /** Lower-case words joined by hyphens, e.g. `catalog-read-storm`. */
  readonly name: string
  /** What it proves, one or two sentences. */
  readonly description: string
  /** The guarantees (DESIGN.md ids) its checks cover. */
  readonly guarantees: readonly GuaranteeId[]
  readonly topology?: TopologyRequirements
  readonly load: readonly Workload[]
  readonly faults?: readonly FaultSpec[]
  readonly checks?: readonly CheckSpec[]
  readonly thresholds?: Thresholds
  readonly smoke?: SmokeOverrides
  /** How long to wait after the load for the target to settle before checking. @default '30s' */
  readonly quiesce?: Duration
}

/** A validated scenario, as `defineScenario()` returns it. */
export interface Scenario extends ScenarioInput {
  /** Brand: made by `defineScenario()` (or validated by `validateScenario()`). */
  readonly kind: 'faultline.scenario'
}

export type { InfraProcess }
