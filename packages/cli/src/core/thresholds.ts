import {
  compare,
  parseThresholdCondition,
  parseThresholdKey,
  type ThresholdCondition,
  type ThresholdKey,
} from '@faultline/scenarios'
import { CliError } from './errors.js'
import type { MetricsRegistry } from './metrics/registry.js'
import { seriesValues, type Series } from './metrics/series.js'
import { percentileMs } from './metrics/trend.js'
import type { MetricType } from './metrics/types.js'

/** One condition on one (possibly tag-filtered) metric, checked against the registry. */
export interface CompiledThreshold {
  readonly key: ThresholdKey
  readonly condition: ThresholdCondition
  readonly type: MetricType
}

/** A threshold's outcome. */
export interface ThresholdResult {
  /** The key as written, e.g. `http_req_duration{op:read-product}`. */
  readonly metric: string
  /** The condition as written, e.g. `p(99)<50`. */
  readonly condition: string
  readonly ok: boolean
  /** The aggregated value compared (ms for time trends); absent with no samples. */
  readonly actual?: number
  /** Why it failed without a comparison, e.g. `no samples`. */
  readonly reason?: string
}

/** The aggregations each metric type supports. */
export const AGGREGATIONS: Readonly<Record<MetricType, readonly string[]>> = {
  trend: ['avg', 'min', 'max', 'med', 'count', 'p(N)'],
  rate: ['rate', 'count'],
  counter: ['count', 'rate'],
  gauge: ['value', 'min', 'max'],
}

/** Values a tag may take, by tag name (e.g. `workload` -> the scenario's workload names). */
export type TagChoices = Readonly<Record<string, readonly string[]>>

/**
 * Compiles k6-style thresholds against the declared metrics. Throws one `E_CLI_UNKNOWN_METRIC`
 * listing every unknown metric, tag or aggregation with the valid choices, before anything starts.
 */
export function compileThresholds(
  thresholds: Readonly<Record<string, readonly string[]>>,
  registry: MetricsRegistry,
  tagChoices: TagChoices,
): CompiledThreshold[] {
  const problems: string[] = []
  const compiled: CompiledThreshold[] = []
  for (const [source, conditions] of Object.entries(thresholds)) {
    const key = parseThresholdKey(source)
    const declaration = registry.declaration(key.metric)
    if (declaration === undefined) {
      problems.push(
        `thresholds['${source}']: no metric '${key.metric}'; the metrics are: ${registry.names().join(', ')}`,
      )
      continue
    }
    problems.push(...tagProblems(source, key, declaration.tags ?? [], tagChoices))
    for (const text of conditions) {
      const condition = parseThresholdCondition(text, `thresholds['${source}']`)
      const allowed = AGGREGATIONS[declaration.type]
      const name = condition.percentile === undefined ? condition.aggregation : 'p(N)'
      if (!allowed.includes(name)) {
        problems.push(
          `thresholds['${source}']: '${text}' uses ${condition.aggregation}, which a ${declaration.type} does not have; use one of: ${allowed.join(', ')}`,
        )
        continue
      }
      compiled.push({ key, condition, type: declaration.type })
    }
  }
  if (problems.length > 0) {
    throw new CliError(
      'E_CLI_UNKNOWN_METRIC',
      `The thresholds cannot be checked:\n  - ${problems.join('\n  - ')}`,
      {
        context: { problems },
      },
    )
  }
  return compiled
}

function tagProblems(
  source: string,
  key: ThresholdKey,
  tags: readonly string[],
  choices: TagChoices,
): string[] {
  const problems: string[] = []
  for (const [tag, value] of Object.entries(key.tags)) {
    if (!tags.includes(tag)) {
      const valid = tags.length === 0 ? 'it has no tags' : `its tags are: ${tags.join(', ')}`
      problems.push(`thresholds['${source}']: '${key.metric}' has no tag '${tag}'; ${valid}`)
      continue
    }
    const values = choices[tag]
    if (values !== undefined && !values.includes(value)) {
      problems.push(
        `thresholds['${source}']: no ${tag} '${value}' in this run; use one of: ${values.join(', ')}`,
      )
    }
  }
  return problems
}

/** Evaluates compiled thresholds on the final metrics; `elapsedMs` is the load's length. */
export function evaluateThresholds(
  compiled: readonly CompiledThreshold[],
  registry: MetricsRegistry,
  elapsedMs: number,
): ThresholdResult[] {
  return compiled.map(({ key, condition }) => {
    const series = registry.query(key.metric, key.tags)
    const actual = series === undefined ? undefined : aggregate(series, condition, elapsedMs)
    const base = { metric: key.source, condition: condition.source.trim() }
    if (actual === undefined) return { ...base, ok: false, reason: 'no samples' }
    return { ...base, ok: compare(actual, condition.comparison, condition.value), actual }
  })
}

/** The value of one aggregation over a series, or undefined without samples. */
export function aggregate(
  series: Series,
  condition: ThresholdCondition,
  elapsedMs: number,
): number | undefined {
  if (series.type === 'trend' && condition.percentile !== undefined) {
    return series.histogram.totalCount === 0
      ? undefined
      : percentileMs(series.histogram, condition.percentile)
  }
  const values = seriesValues(series, elapsedMs) as Readonly<Record<string, number | undefined>>
  if (
    series.type === 'trend' &&
    condition.aggregation !== 'count' &&
    series.histogram.totalCount === 0
  )
    return undefined
  return values[condition.aggregation]
}
