import { EVENTS_SCHEMA, type RunEvent } from '../../src/core/events.js'
import type { WorkloadSample } from '../../src/core/load/workload-stats.js'

/** A `run:started` for a 60 s run with two workloads, two faults, two checks and a threshold. */
export function started(
  overrides: Partial<Extract<RunEvent, { type: 'run:started' }>> = {},
): RunEvent {
  return {
    schema: EVENTS_SCHEMA,
    type: 'run:started',
    elapsedMs: 0,
    scenario: 'catalog-read-storm',
    seed: 42,
    smoke: false,
    runDir: '/tmp/run',
    target: { name: 'test', measuresReality: true },
    loadDurationMs: 60_000,
    workloads: [
      { name: 'readers', model: 'open' },
      { name: 'writers', model: 'open' },
    ],
    schedule: [
      fault(1, 'latency', 'link:catalog-query->redis', 10_000, 20_000),
      fault(2, 'pause', 'kafka', 40_000, 50_000),
    ],
    checks: ['staleness', 'sagas'],
    thresholds: ['http_req_duration p(99)<50'],
    ...overrides,
  }
}

function fault(id: number, kind: string, target: string, startMs: number, endMs: number) {
  return { id, kind, target, startMs, endMs, params: {}, source: { index: id - 1, occurrence: 0 } }
}

/** A workload's sample. */
export function workload(
  name: string,
  rps: number,
  p99Ms: number | null,
  errors = 0,
): WorkloadSample {
  return {
    name,
    model: 'open',
    rps,
    p50Ms: p99Ms === null ? null : p99Ms / 4,
    p99Ms,
    errors,
    inFlight: 3,
    sent: 1000,
    completed: 990,
    failed: errors * 3,
    dropped: 0,
    late: 0,
  }
}

/** A `metrics:sampled` at second `second` of the load. */
export function sampled(
  second: number,
  live: Record<string, number>,
  activeFaults: number[] = [],
  workloads: WorkloadSample[] = [
    workload('readers', 812.5, 4.25 + (second % 7)),
    workload('writers', 41, 9.5, 2),
  ],
): RunEvent {
  return {
    schema: EVENTS_SCHEMA,
    type: 'metrics:sampled',
    elapsedMs: 1000 + second * 1000,
    loadElapsedMs: second * 1000,
    workloads,
    live,
    activeFaults,
  }
}

/** The live metrics a full target reports. */
export const FULL_LIVE = {
  cache_hit_ratio: 0.923,
  stale_reads_total: 3,
  saga_instances_running: 2,
  saga_instances_completed: 41,
  saga_instances_compensated: 5,
  saga_instances_failed: 1,
  consumer_lag_messages: 17,
  relay_lag_seconds: 0.25,
}

/** A phase change. */
export function phase(name: Extract<RunEvent, { type: 'phase:changed' }>['phase']): RunEvent {
  return { schema: EVENTS_SCHEMA, type: 'phase:changed', elapsedMs: 10, phase: name }
}

/** A fault applied (`fault:started`) or reverted. */
export function faultChanged(
  type: 'fault:started' | 'fault:ended',
  id: number,
  kind: string,
  target: string,
  startMs: number,
  endMs: number,
): RunEvent {
  return {
    schema: EVENTS_SCHEMA,
    type,
    elapsedMs: startMs,
    fault: {
      id,
      kind,
      target,
      scheduledStartMs: startMs,
      scheduledEndMs: endMs,
      startedMs: startMs + 3,
      ...(type === 'fault:ended' ? { endedMs: endMs + 2 } : {}),
    },
  }
}

/** A checker's verdict. */
export function checked(name: string, verdict: 'valid' | 'invalid' | 'unknown'): RunEvent {
  return {
    schema: EVENTS_SCHEMA,
    type: 'check:finished',
    elapsedMs: 70_000,
    check: {
      name,
      guarantees: ['C2'],
      verdict,
      ok: verdict === 'valid',
      summary: '',
      stats: {},
      counterexampleCount: 0,
      counterexamples: [],
    },
  }
}
