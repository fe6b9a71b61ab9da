import type { CheckSummary, RunSummary } from './summary-types.js'
import type { WorkloadSample } from './load/workload-stats.js'
import type { FaultSummary } from './summary-types.js'
import type { ScheduledFault } from './schedule.js'
import type { ThresholdResult } from './thresholds.js'

/** The progress events' schema id (each `--json` line carries it as `schema`). */
export const EVENTS_SCHEMA = 'faultline.events/v1'

/** The phases of a run, in order (`interrupted` can follow any of them). */
export type RunPhase =
  | 'validating'
  | 'starting'
  | 'load'
  | 'quiescing'
  | 'inspecting'
  | 'checking'
  | 'thresholds'
  | 'done'
  | 'interrupted'

/** Fields every event has. */
interface EventBase {
  readonly schema: typeof EVENTS_SCHEMA
  /** ms since the run started. */
  readonly elapsedMs: number
}

/** The run was validated; what it will do. */
export interface RunStartedEvent extends EventBase {
  readonly type: 'run:started'
  readonly scenario: string
  readonly seed: number
  readonly smoke: boolean
  readonly runDir: string
  readonly target: { readonly name: string; readonly measuresReality: boolean }
  readonly loadDurationMs: number
  readonly workloads: readonly { readonly name: string; readonly model: 'open' | 'closed' }[]
  readonly schedule: readonly ScheduledFault[]
  /** The checkers the run will ask, in order (added in v1; absent from older producers). */
  readonly checks?: readonly string[]
  /** The thresholds, as `metric condition` (added in v1; absent from older producers). */
  readonly thresholds?: readonly string[]
}

/** The run moved to another phase. */
export interface PhaseChangedEvent extends EventBase {
  readonly type: 'phase:changed'
  readonly phase: RunPhase
  /** ms of load left, during `load`. */
  readonly remainingMs?: number
}

/** Once a second during load and quiescence: per workload numbers and the target's live metrics. */
export interface MetricsSampledEvent extends EventBase {
  readonly type: 'metrics:sampled'
  /** ms since load started. */
  readonly loadElapsedMs: number
  readonly workloads: readonly WorkloadSample[]
  /** E.g. `{ cache_hit_ratio: 0.97, consumer_lag: 3 }`. */
  readonly live: Readonly<Record<string, number>>
  /** Ids of the faults in force. */
  readonly activeFaults: readonly number[]
}

/** A fault was applied or reverted (or failed to be). */
export interface FaultChangedEvent extends EventBase {
  readonly type: 'fault:started' | 'fault:ended'
  readonly fault: FaultSummary
}

/** A checker finished. */
export interface CheckFinishedEvent extends EventBase {
  readonly type: 'check:finished'
  readonly check: CheckSummary
}

/** The thresholds were evaluated. */
export interface ThresholdsEvaluatedEvent extends EventBase {
  readonly type: 'thresholds:evaluated'
  readonly thresholds: readonly ThresholdResult[]
}

/** Something the user should know while it runs (the generator fell behind, a fault failed). */
export interface WarningEvent extends EventBase {
  readonly type: 'warning:raised'
  readonly message: string
}

/** The last event: the summary (also written to `summary.json`). */
export interface RunFinishedEvent extends EventBase {
  readonly type: 'run:finished'
  readonly summary: RunSummary
}

/** A progress event of `runScenario()`. */
export type RunEvent =
  | RunStartedEvent
  | PhaseChangedEvent
  | MetricsSampledEvent
  | FaultChangedEvent
  | CheckFinishedEvent
  | ThresholdsEvaluatedEvent
  | WarningEvent
  | RunFinishedEvent
