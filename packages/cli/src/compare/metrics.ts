import type { MetricSummary, RunSummary } from '../core/summary-types.js'
import type { MetricValues } from '../core/metrics/types.js'

/** Which way is better for a metric. */
export type Better = 'lower' | 'higher'

/** One comparable number of one run. */
export interface MetricPoint {
  /** Stable id, e.g. `http_req_duration p99 {workload:readers}`. */
  readonly id: string
  readonly unit: 'ms' | 'ratio' | '/s' | 'count'
  readonly better: Better
  readonly value: number
}

/** What is compared of a metric: which aggregation, its unit and which way is better. */
interface Rule {
  readonly values: readonly { readonly field: keyof MetricValues; readonly label: string }[]
  readonly unit: MetricPoint['unit']
  readonly better: Better
}

const LATENCY: Rule = {
  values: [
    { field: 'med', label: 'p50' },
    { field: 'p95', label: 'p95' },
    { field: 'p99', label: 'p99' },
  ],
  unit: 'ms',
  better: 'lower',
}

/**
 * The metrics a comparison judges, with their direction: latency up is worse, throughput down is
 * worse, error and drop rates up are worse, a checker's pass rate and the cache hit ratio down are
 * worse, stale reads and lag up are worse. Metrics not listed have no agreed direction and are not
 * judged.
 */
export const COMPARED: Readonly<Record<string, Rule>> = {
  http_req_duration: LATENCY,
  http_reqs: { values: [{ field: 'rate', label: 'throughput' }], unit: '/s', better: 'higher' },
  http_req_failed: {
    values: [{ field: 'rate', label: 'error rate' }],
    unit: 'ratio',
    better: 'lower',
  },
  ops_indeterminate: {
    values: [{ field: 'rate', label: 'per second' }],
    unit: '/s',
    better: 'lower',
  },
  dropped_iterations: {
    values: [{ field: 'count', label: 'count' }],
    unit: 'count',
    better: 'lower',
  },
  checks: { values: [{ field: 'rate', label: 'pass rate' }], unit: 'ratio', better: 'higher' },
  stale_reads: { values: [{ field: 'count', label: 'count' }], unit: 'count', better: 'lower' },
  cache_hit_ratio: { values: [{ field: 'value', label: 'last' }], unit: 'ratio', better: 'higher' },
  consumer_lag_messages: {
    values: [{ field: 'max', label: 'max' }],
    unit: 'count',
    better: 'lower',
  },
  relay_lag_seconds: {
    values: [{ field: 'max', label: 'max (s)' }],
    unit: 'count',
    better: 'lower',
  },
}

/** Tags whose slices are compared (per workload and per operation). */
const SLICE_TAGS = new Set(['workload', 'op'])

/** Every judged number of one run, by id. */
export function metricPoints(summary: RunSummary): Map<string, MetricPoint> {
  const out = new Map<string, MetricPoint>()
  for (const metric of summary.metrics) {
    const rule = COMPARED[metric.name]
    if (rule === undefined || !comparableSlice(metric)) continue
    for (const { field, label } of rule.values) {
      const value = metric.values[field]
      if (typeof value !== 'number' || !Number.isFinite(value)) continue
      const id = `${metric.name} ${label}${sliceLabel(metric)}`
      out.set(id, { id, unit: rule.unit, better: rule.better, value })
    }
  }
  return out
}

function comparableSlice(metric: MetricSummary): boolean {
  const tags = Object.keys(metric.tags)
  return tags.length === 0 || (tags.length === 1 && SLICE_TAGS.has(tags[0] as string))
}

function sliceLabel(metric: MetricSummary): string {
  const entries = Object.entries(metric.tags)
  return entries.length === 0 ? '' : ` {${entries.map(([k, v]) => `${k}:${v}`).join(',')}}`
}
