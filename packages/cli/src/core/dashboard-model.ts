import type { Verdict } from '../checkers/verdict.js'
import type { MetricsSampledEvent, RunEvent, RunPhase } from './events.js'
import type { FaultSummary, RunStatus } from './summary-types.js'

/** How many samples a sparkline keeps: 60 one-second samples, the last minute. */
export const SPARK_WINDOW = 60

/** How many warnings the dashboard keeps (the newest). */
const KEPT_WARNINGS = 3

/** One workload as the dashboard shows it. */
export interface WorkloadView {
  readonly name: string
  readonly rps: number
  readonly p50Ms: number | null
  readonly p99Ms: number | null
  /** Errors in the last interval and since the start. */
  readonly errors: number
  readonly failed: number
  readonly inFlight: number
  /** p99 of the last {@link SPARK_WINDOW} samples, oldest first (null: nothing completed). */
  readonly p99History: readonly (number | null)[]
}

/** Where a fault is in its life. */
export type FaultState = 'pending' | 'active' | 'ended' | 'failed'

/** One scheduled fault as the dashboard shows it (times in ms after load start). */
export interface FaultView {
  readonly id: number
  readonly kind: string
  readonly target: string
  readonly startMs: number
  readonly endMs: number
  readonly state: FaultState
  readonly error?: string
}

/** A checker's verdict so far (`pending` until it has run). */
export interface CheckView {
  readonly name: string
  readonly verdict: Verdict | 'pending'
}

/** A threshold's outcome so far (`ok` undefined until evaluated). */
export interface ThresholdView {
  readonly label: string
  readonly ok?: boolean
}

/**
 * Everything the live dashboard draws, folded from progress events by {@link reduceDashboard}.
 * Pure data: the same events give the same model, so `faultline up` can feed it from any source.
 */
export interface DashboardModel {
  readonly scenario?: string
  readonly seed?: number
  readonly target?: string
  readonly phase: RunPhase | 'waiting'
  readonly loadDurationMs: number
  /** ms since load started, from the last sample. */
  readonly loadElapsedMs: number
  readonly workloads: readonly WorkloadView[]
  /** The target's live metrics from the last sample. */
  readonly live: Readonly<Record<string, number>>
  readonly faults: readonly FaultView[]
  readonly checks: readonly CheckView[]
  readonly thresholds: readonly ThresholdView[]
  readonly warnings: readonly string[]
  /** Set by the last event. */
  readonly status?: RunStatus
  /** How many events were folded in (for tests and the render bench). */
  readonly events: number
}

/** The model before any event. */
export function emptyDashboard(): DashboardModel {
  return {
    phase: 'waiting',
    loadDurationMs: 0,
    loadElapsedMs: 0,
    workloads: [],
    live: {},
    faults: [],
    checks: [],
    thresholds: [],
    warnings: [],
    events: 0,
  }
}

/** Folds one progress event into the model (returns a new model; the old one is untouched). */
export function reduceDashboard(model: DashboardModel, event: RunEvent): DashboardModel {
  const next = { ...model, events: model.events + 1 }
  switch (event.type) {
    case 'run:started':
      return {
        ...next,
        scenario: event.scenario,
        seed: event.seed,
        target: event.target.name,
        loadDurationMs: event.loadDurationMs,
        faults: event.schedule.map((f) => ({
          id: f.id,
          kind: f.kind,
          target: f.target,
          startMs: f.startMs,
          endMs: f.endMs,
          state: 'pending' as const,
        })),
        checks: (event.checks ?? []).map((name) => ({ name, verdict: 'pending' as const })),
        thresholds: (event.thresholds ?? []).map((label) => ({ label })),
      }
    case 'phase:changed':
      return { ...next, phase: event.phase }
    case 'metrics:sampled':
      return applySample(next, event)
    case 'fault:started':
    case 'fault:ended':
      return { ...next, faults: upsertFault(model.faults, event.type, event.fault) }
    case 'check:finished':
      return { ...next, checks: upsertCheck(model.checks, event.check.name, event.check.verdict) }
    case 'thresholds:evaluated':
      return {
        ...next,
        thresholds: event.thresholds.map((t) => ({
          label: `${t.metric} ${t.condition}`,
          ok: t.ok,
        })),
      }
    case 'warning:raised':
      return { ...next, warnings: [...model.warnings, event.message].slice(-KEPT_WARNINGS) }
    case 'run:finished':
      return { ...next, status: event.summary.status }
  }
}

/** Time of load left, ms (0 once the load is over). */
export function loadRemainingMs(model: DashboardModel): number {
  return Math.max(0, model.loadDurationMs - model.loadElapsedMs)
}

function applySample(model: DashboardModel, event: MetricsSampledEvent): DashboardModel {
  const previous = new Map(model.workloads.map((w) => [w.name, w]))
  const workloads = event.workloads.map((sample): WorkloadView => {
    const history = previous.get(sample.name)?.p99History ?? []
    return {
      name: sample.name,
      rps: sample.rps,
      p50Ms: sample.p50Ms,
      p99Ms: sample.p99Ms,
      errors: sample.errors,
      failed: sample.failed,
      inFlight: sample.inFlight,
      p99History: [...history, sample.p99Ms].slice(-SPARK_WINDOW),
    }
  })
  const active = new Set(event.activeFaults)
  const faults = model.faults.map((f) =>
    active.has(f.id) && f.state === 'pending' ? { ...f, state: 'active' as const } : f,
  )
  return { ...model, workloads, live: event.live, loadElapsedMs: event.loadElapsedMs, faults }
}

function upsertFault(
  faults: readonly FaultView[],
  type: 'fault:started' | 'fault:ended',
  fault: FaultSummary,
): FaultView[] {
  const state: FaultState =
    fault.error !== undefined ? 'failed' : type === 'fault:started' ? 'active' : 'ended'
  const view: FaultView = {
    id: fault.id,
    kind: fault.kind,
    target: fault.target,
    startMs: fault.startedMs ?? fault.scheduledStartMs,
    endMs: type === 'fault:ended' ? (fault.endedMs ?? fault.scheduledEndMs) : fault.scheduledEndMs,
    state,
    ...(fault.error === undefined ? {} : { error: fault.error }),
  }
  const found = faults.some((f) => f.id === fault.id)
  const out = found ? faults.map((f) => (f.id === fault.id ? view : f)) : [...faults, view]
  return out.sort((a, b) => a.startMs - b.startMs || a.id - b.id)
}

function upsertCheck(checks: readonly CheckView[], name: string, verdict: Verdict): CheckView[] {
  const found = checks.some((c) => c.name === name)
  return found
    ? checks.map((c) => (c.name === name ? { name, verdict } : c))
    : [...checks, { name, verdict }]
}
