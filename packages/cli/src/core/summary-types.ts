import type { Verdict } from '../checkers/verdict.js'
import type { MachineInfo } from './machine.js'
import type { MetricType, MetricValues, Tags } from './metrics/types.js'
import type { ThresholdResult } from './thresholds.js'

/** The summary's schema id; a change that breaks readers bumps the number. */
export const SUMMARY_SCHEMA = 'faultline.summary/v1'

/** How a run ended. Exit codes: passed 0, failed 99, interrupted 130, error 1. */
export type RunStatus = 'passed' | 'failed' | 'interrupted' | 'error'

/** One checker's verdict in the summary. */
export interface CheckSummary {
  readonly name: string
  readonly guarantees: readonly string[]
  readonly verdict: Verdict
  /** True only for `valid`; `unknown` fails. */
  readonly ok: boolean
  readonly summary: string
  readonly stats: Readonly<Record<string, number>>
  readonly counterexampleCount: number
  /** The first few counterexamples (the checker's own list is bounded too). */
  readonly counterexamples: readonly {
    readonly message: string
    readonly key?: string
    readonly historyIds?: readonly number[]
  }[]
}

/** One metric (or one tag slice of it) in the summary. */
export interface MetricSummary {
  readonly name: string
  readonly type: MetricType
  readonly unit?: string
  /** Empty for the whole metric; `{ op: 'read-product' }` for a slice. */
  readonly tags: Tags
  readonly values: MetricValues
}

/** One workload's totals. */
export interface WorkloadSummary {
  readonly name: string
  readonly model: 'open' | 'closed'
  readonly sent: number
  readonly completed: number
  readonly failed: number
  readonly dropped: number
  readonly late: number
}

/** One scheduled fault and what happened to it (times in ms after load start). */
export interface FaultSummary {
  readonly id: number
  readonly kind: string
  readonly target: string
  readonly scheduledStartMs: number
  readonly scheduledEndMs: number
  readonly startedMs?: number
  readonly endedMs?: number
  readonly error?: string
}

/**
 * The end-of-run summary (`summary.json`, the last `--json` line). Stable: fields are only added
 * within a schema version; see `schema/summary.v1.schema.json`.
 */
export interface RunSummary {
  readonly schema: typeof SUMMARY_SCHEMA
  readonly status: RunStatus
  readonly exitCode: 0 | 1 | 99 | 130
  readonly interrupted: boolean
  /** Set when status is `error`: what went wrong and what to do. */
  readonly error?: string
  readonly scenario: {
    readonly name: string
    readonly description: string
    readonly guarantees: readonly string[]
  }
  readonly seed: number
  readonly smoke: boolean
  readonly startedAt: string
  /** Wall time of the whole run, ms. */
  readonly durationMs: number
  /** How long load ran, ms. */
  readonly loadDurationMs: number
  readonly target: { readonly name: string; readonly measuresReality: boolean }
  readonly quiesced: boolean | null
  readonly thresholds: readonly ThresholdResult[]
  readonly checks: readonly CheckSummary[]
  readonly metrics: readonly MetricSummary[]
  readonly workloads: readonly WorkloadSummary[]
  readonly faults: readonly FaultSummary[]
  /** Things a reader must know, e.g. that nothing real was measured, or the generator fell behind. */
  readonly notes: readonly string[]
  readonly files: {
    readonly runDir: string
    readonly summary: string
    readonly history: string
    readonly scenario: string
    readonly timeline: string
    readonly logs: string
  }
  readonly versions: { readonly faultline: string; readonly node: string }
  /** The machine it ran on (added in v1: summaries written before it lack it). */
  readonly machine?: MachineInfo
}
