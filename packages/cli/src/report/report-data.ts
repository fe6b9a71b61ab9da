import { describeMachine, type MachineInfo } from '../core/machine.js'
import type { MetricsSampledEvent } from '../core/events.js'
import type { CheckSummary, RunSummary } from '../core/summary-types.js'
import type { ThresholdResult } from '../core/thresholds.js'
import { sagaOutcomes, type SagaOutcomes } from './sagas.js'
import { scanHistory } from './scan-history.js'
import type { ExcerptRow } from './history-excerpt.js'
import type { RunFilesRead } from './run-files.js'
import type { StalePoint } from './staleness-points.js'

/** A fault window on every time axis (seconds after load start). */
export interface FaultWindow {
  readonly id: number
  readonly label: string
  readonly start: number
  readonly end: number
  readonly error?: string
}

/** One workload's per-second series. */
export interface WorkloadSeries {
  readonly name: string
  readonly p50: readonly (number | null)[]
  readonly p99: readonly (number | null)[]
  readonly rps: readonly number[]
  readonly errors: readonly number[]
}

/** Everything the report shows, as plain JSON (embedded in the page for the charts). */
export interface ReportData {
  readonly summary: Pick<
    RunSummary,
    | 'status'
    | 'exitCode'
    | 'interrupted'
    | 'error'
    | 'scenario'
    | 'seed'
    | 'smoke'
    | 'startedAt'
    | 'durationMs'
    | 'loadDurationMs'
    | 'target'
    | 'notes'
    | 'versions'
    | 'workloads'
  >
  readonly machine: MachineInfo
  /** True when the summary lacked the machine and this one is the report's. */
  readonly machineIsReporters: boolean
  /** Seconds after load start of each sample. */
  readonly t: readonly number[]
  readonly workloads: readonly WorkloadSeries[]
  /** Each live metric's values per sample (null where a sample lacked it). */
  readonly live: Readonly<Record<string, readonly (number | null)[]>>
  readonly faults: readonly FaultWindow[]
  readonly stale: {
    readonly keys: readonly string[]
    readonly points: readonly StalePoint[]
    /** How the points were computed, for the reader. */
    readonly note: string
  }
  readonly sagas: SagaOutcomes | undefined
  readonly thresholds: readonly ThresholdResult[]
  readonly checks: readonly CheckSummary[]
  readonly history: { readonly rows: readonly ExcerptRow[]; readonly truncated: boolean }
}

/** How many stale points the page plots (the rest are counted). */
const MAX_POINTS = 5000

/** Prepares a run's report data: series from the timeline, staleness and excerpt from the history. */
export async function buildReportData(run: RunFilesRead): Promise<ReportData> {
  const { summary, timeline } = run
  const scan = await scanHistory(run)
  return {
    summary: pickSummary(summary),
    machine: summary.machine ?? describeMachine(),
    machineIsReporters: summary.machine === undefined,
    t: timeline.map((s) => s.loadElapsedMs / 1000),
    workloads: workloadSeries(timeline),
    live: liveSeries(timeline),
    faults: summary.faults.map((f) => ({
      id: f.id,
      label: `#${f.id} ${f.kind} ${f.target}`,
      start: (f.startedMs ?? f.scheduledStartMs) / 1000,
      end: (f.endedMs ?? f.scheduledEndMs) / 1000,
      ...(f.error === undefined ? {} : { error: f.error }),
    })),
    stale: {
      keys: [...new Set(scan.points.map((p) => p.key))].sort(),
      points: scan.points.slice(0, MAX_POINTS),
      note: scan.note,
    },
    sagas: sagaOutcomes(summary, timeline),
    thresholds: summary.thresholds,
    checks: summary.checks,
    history: { rows: scan.excerpt.rows, truncated: scan.excerpt.truncated },
  }
}

function pickSummary(s: RunSummary): ReportData['summary'] {
  return {
    status: s.status,
    exitCode: s.exitCode,
    interrupted: s.interrupted,
    ...(s.error === undefined ? {} : { error: s.error }),
    scenario: s.scenario,
    seed: s.seed,
    smoke: s.smoke,
    startedAt: s.startedAt,
    durationMs: s.durationMs,
    loadDurationMs: s.loadDurationMs,
    target: s.target,
    notes: s.notes,
    versions: s.versions,
    workloads: s.workloads,
  }
}

function workloadSeries(timeline: readonly MetricsSampledEvent[]): WorkloadSeries[] {
  const names = [...new Set(timeline.flatMap((s) => s.workloads.map((w) => w.name)))]
  return names.map((name) => {
    const samples = timeline.map((s) => s.workloads.find((w) => w.name === name))
    return {
      name,
      p50: samples.map((w) => w?.p50Ms ?? null),
      p99: samples.map((w) => w?.p99Ms ?? null),
      rps: samples.map((w) => w?.rps ?? 0),
      errors: samples.map((w) => w?.errors ?? 0),
    }
  })
}

function liveSeries(timeline: readonly MetricsSampledEvent[]): Record<string, (number | null)[]> {
  const names = [...new Set(timeline.flatMap((s) => Object.keys(s.live)))].sort()
  return Object.fromEntries(
    names.map((name) => [
      name,
      timeline.map((s) => {
        const value = s.live[name]
        return typeof value === 'number' && Number.isFinite(value) ? value : null
      }),
    ]),
  )
}
