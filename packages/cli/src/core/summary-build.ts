import type { CheckResult } from '../checkers/verdict.js'
import type { FaultOutcome } from './fault-runner.js'
import type { MetricsRegistry } from './metrics/registry.js'
import { seriesValues } from './metrics/series.js'
import type { CheckSummary, FaultSummary, MetricSummary } from './summary-types.js'

/** How many counterexamples per checker the summary keeps (the history has them all). */
export const SUMMARY_COUNTEREXAMPLES = 5

/** A checker's result as the summary shows it. */
export function summarizeCheck(result: CheckResult): CheckSummary {
  return {
    name: result.name,
    guarantees: result.guarantees,
    verdict: result.verdict,
    ok: result.verdict === 'valid',
    summary: result.summary,
    stats: result.stats,
    counterexampleCount: result.counterexamples.length,
    counterexamples: result.counterexamples.slice(0, SUMMARY_COUNTEREXAMPLES).map((c) => ({
      message: c.message,
      ...(c.key === undefined ? {} : { key: c.key }),
      ...(c.historyIds === undefined ? {} : { historyIds: c.historyIds.slice(0, 20) }),
    })),
  }
}

/** A fault's outcome with times in ms after load start. */
export function summarizeFault(outcome: FaultOutcome, loadStartUs: number): FaultSummary {
  const ms = (us: number | undefined) =>
    us === undefined ? undefined : Math.round((us - loadStartUs) / 1000)
  const startedMs = ms(outcome.startedUs)
  const endedMs = ms(outcome.endedUs)
  return {
    id: outcome.fault.id,
    kind: outcome.fault.kind,
    target: outcome.fault.target,
    scheduledStartMs: outcome.fault.startMs,
    scheduledEndMs: outcome.fault.endMs,
    ...(startedMs === undefined ? {} : { startedMs }),
    ...(endedMs === undefined ? {} : { endedMs }),
    ...(outcome.error === undefined ? {} : { error: outcome.error }),
  }
}

/**
 * Every metric with samples: the whole metric, then one slice per value of each of its tags
 * (`http_req_duration{op:read-product}`, `{workload:readers}`), as the k6 summary lists them.
 */
export function summarizeMetrics(metrics: MetricsRegistry, elapsedMs: number): MetricSummary[] {
  const out: MetricSummary[] = []
  for (const name of metrics.names()) {
    const declaration = metrics.declaration(name)
    const whole = metrics.query(name)
    if (declaration === undefined || whole === undefined || !hasSamples(whole)) continue
    const unit = declaration.unit === undefined ? {} : { unit: declaration.unit }
    out.push({
      name,
      type: declaration.type,
      ...unit,
      tags: {},
      values: seriesValues(whole, elapsedMs),
    })
    for (const [tag, values] of Object.entries(metrics.tagValues(name))) {
      for (const value of values) {
        const slice = metrics.query(name, { [tag]: value })
        if (slice === undefined || !hasSamples(slice)) continue
        out.push({
          name,
          type: declaration.type,
          ...unit,
          tags: { [tag]: value },
          values: seriesValues(slice, elapsedMs),
        })
      }
    }
  }
  return out
}

function hasSamples(series: NonNullable<ReturnType<MetricsRegistry['query']>>): boolean {
  switch (series.type) {
    case 'trend':
      return series.histogram.totalCount > 0
    case 'rate':
      return series.total > 0
    case 'counter':
      return true
    case 'gauge':
      return series.samples > 0
  }
}
