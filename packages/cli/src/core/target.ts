import type { ResolvedScenario } from '@faultline/scenarios'
import type { MetricDeclaration } from './metrics/types.js'
import type { SeededRandom } from './random.js'
import type { ScheduledFault } from './schedule.js'

/** What an invoke records, picked before the request goes out. */
export interface Invocation {
  /** The entity it acts on (a product id, an order id). */
  readonly key?: string
  readonly value?: unknown
}

/** How an operation ended; see `CompletionEvent` in `history/events.ts`. */
export interface OperationOutcome {
  /** `ok` took effect, `fail` certainly did not, `info` unknown (timeout, reset mid-request). */
  readonly type: 'ok' | 'fail' | 'info'
  readonly key?: string
  readonly value?: unknown
  readonly status?: number
  readonly error?: string
}

/** An HTTP request a closed (autocannon) workload sends for an operation. */
export interface HttpRequestSpec {
  /** `http://host:port`; every operation of one closed workload must share it. */
  readonly origin: string
  readonly method: string
  readonly path: string
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: string
}

/** What a target can do, known before it starts (so a scenario is refused before anything runs). */
export interface TargetDescription {
  /** E.g. `topology`, `embedded`, `test`. */
  readonly name: string
  /** False when nothing real is measured (embedded); the summary says so. */
  readonly measuresReality: boolean
  /** Built-in operations it performs. */
  readonly operations: readonly string[]
  /** Operations `httpRequest()` maps to one HTTP request, for closed (autocannon) workloads. */
  readonly httpOperations?: readonly string[]
  /** Process fault targets: `postgres`, `redis`, `catalog-query` (instances as `catalog-query#1`). */
  readonly processes: readonly string[]
  /** Links it can put toxics on, `from->to`. */
  readonly links: readonly string[]
  /** Fault kinds it can apply. */
  readonly faultKinds: readonly string[]
  /** Metrics it reports through `liveMetrics()` (sampled as gauges each second). */
  readonly metrics: readonly MetricDeclaration[]
}

/** What a target gets when it opens for a run. */
export interface TargetContext {
  readonly scenario: ResolvedScenario
  readonly seed: number
  readonly runDir: string
  /** Where it writes its logs (`<runDir>/logs`). */
  readonly logDir: string
  readonly signal: AbortSignal
}

/** Reverts a fault; must be safe to call once after any outcome of `applyFault`. */
export type Revert = () => Promise<void>

/** Whether the target has settled after the load (relays drained, consumers caught up). */
export interface QuiescenceReport {
  readonly quiet: boolean
  /** What it is still waiting for, e.g. `{ consumerLag: 12 }`. */
  readonly detail?: Readonly<Record<string, number | string>>
}

/**
 * The system under test, as the run engine sees it. The topology adapter and the embedded adapter
 * implement it; tests use a small HTTP one.
 *
 * Guarantees an implementation keeps:
 * - `prepare()` is synchronous and draws all its randomness from the `random` it is given, so the
 *   same seed gives the same invocations;
 * - `perform()` never throws for a request that went out: it returns `info` when the outcome is
 *   unknown, `fail` only when the operation certainly did not take effect;
 * - `perform()` honours `signal` (the run stops or the operation timed out);
 * - `applyFault()` resolves once the fault is in force and returns how to revert it; the engine
 *   calls every revert at the end, on interrupt too.
 */
export interface Target {
  describe(): TargetDescription
  prepare(op: string, random: SeededRandom): Invocation
  perform(op: string, invocation: Invocation, context: PerformContext): Promise<OperationOutcome>
  /** The HTTP request for an operation, for closed workloads; absent if it has none. */
  httpRequest?(op: string, invocation: Invocation): HttpRequestSpec
  applyFault(fault: ScheduledFault, signal: AbortSignal): Promise<Revert>
  /**
   * What the fault's start event records besides its kind, target and params, e.g. a herd's
   * `key` (the entity key the history's reads use, which only the target can name).
   */
  faultDetail?(fault: ScheduledFault): Readonly<Record<string, unknown>>
  /** Polled after the load until quiet or the scenario's quiesce bound. @default quiet at once */
  quiescence?(): Promise<QuiescenceReport>
  /** The state the checkers read (a `SystemSnapshot` for the topology). */
  inspect(): Promise<unknown>
  /** Current values of the metrics `describe().metrics` declares, e.g. `{ cache_hit_ratio: 0.97 }`. */
  liveMetrics(): Promise<Readonly<Record<string, number>>>
  /** Base URLs user-defined operations may call. */
  endpoints(): Readonly<Record<string, string>>
  close(): Promise<void>
}

/** Per call of `perform()`. */
export interface PerformContext {
  readonly process: number
  readonly signal: AbortSignal
}

/**
 * Makes a target for a run. `describe()` must not start anything: the engine validates the
 * scenario against it before `open()` is called.
 */
export interface TargetProvider {
  describe(): TargetDescription
  open(context: TargetContext): Promise<Target>
}

/** Wraps a target that is already running (e.g. `faultline up`'s) as a provider. */
export function providerOf(target: Target): TargetProvider {
  return { describe: () => target.describe(), open: () => Promise.resolve(target) }
}
