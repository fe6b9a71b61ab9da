import type { RunSummary } from '../../src/core/summary-types.js'

/** The numbers of a synthetic run. */
export interface SyntheticRun {
  readonly p50?: number
  readonly p99: number
  /** Operations per second. */
  readonly rps?: number
  /** Share of failed operations. */
  readonly errorRate?: number
  readonly status?: RunSummary['status']
  readonly seed?: number
}

/** A summary as `faultline run` writes it, with the given latency, throughput and error rate. */
export function syntheticSummary(run: SyntheticRun): RunSummary {
  const rps = run.rps ?? 100
  const trend = {
    count: rps * 60,
    avg: run.p99 / 2,
    min: 0.1,
    med: run.p50 ?? run.p99 / 4,
    max: run.p99 * 2,
    p90: run.p99 * 0.8,
    p95: run.p99 * 0.9,
    p99: run.p99,
    'p99.9': run.p99 * 1.5,
  }
  const status = run.status ?? 'passed'
  return {
    schema: 'faultline.summary/v1',
    status,
    exitCode:
      status === 'passed' ? 0 : status === 'failed' ? 99 : status === 'interrupted' ? 130 : 1,
    interrupted: status === 'interrupted',
    scenario: { name: 'synthetic', description: 'made up', guarantees: [] },
    seed: run.seed ?? 1,
    smoke: false,
    startedAt: '2026-12-07T00:00:00.000Z',
    durationMs: 70_000,
    loadDurationMs: 60_000,
    target: { name: 'test', measuresReality: true },
    quiesced: true,
    thresholds: [],
    checks: [],
    metrics: [
      { name: 'http_req_duration', type: 'trend', unit: 'ms', tags: {}, values: trend },
      {
        name: 'http_req_duration',
        type: 'trend',
        unit: 'ms',
        tags: { workload: 'readers' },
        values: trend,
      },
      {
        name: 'http_reqs',
        type: 'counter',
        unit: 'count',
        tags: {},
        values: { count: rps * 60, rate: rps },
      },
      {
        name: 'http_req_failed',
        type: 'rate',
        unit: 'ratio',
        tags: {},
        values: { count: rps * 60, rate: run.errorRate ?? 0 },
      },
    ],
    workloads: [],
    faults: [],
    notes: [],
    files: {
      runDir: '/tmp/x',
      summary: '/tmp/x/summary.json',
      history: '',
      scenario: '',
      timeline: '',
      logs: '',
    },
    versions: { faultline: '0.0.0', node: 'v20.0.0' },
  }
}

/** `n` runs around `p99` with a relative spread (deterministic, spread evenly). */
export function runsAround(
  n: number,
  p99: number,
  spread: number,
  extra: Omit<SyntheticRun, 'p99'> = {},
): RunSummary[] {
  return Array.from({ length: n }, (_, i) => {
    const offset = n === 1 ? 0 : (i / (n - 1)) * 2 - 1
    return syntheticSummary({ ...extra, p99: p99 * (1 + spread * offset) })
  })
}
