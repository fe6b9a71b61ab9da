import { ScenarioError } from './errors.js'

/** The aggregations a threshold may test, as in k6. `p(N)` is a percentile. */
export type Aggregation =
  'avg' | 'min' | 'max' | 'med' | 'count' | 'rate' | 'value' | `p(${number})`

/** The comparison operators, as in k6 (`===` is the same as `==`). */
export type Comparison = '<' | '<=' | '>' | '>=' | '==' | '!='

/** The metric a threshold key names, with its tag filter: `http_req_duration{op:read-product}`. */
export interface ThresholdKey {
  readonly metric: string
  /** Samples must carry every one of these tags with these values. */
  readonly tags: Readonly<Record<string, string>>
  /** The key as written. */
  readonly source: string
}

/** One condition, e.g. `p(99)<50`. */
export interface ThresholdCondition {
  readonly aggregation: Aggregation
  /** For `p(N)`: N (0..100). */
  readonly percentile?: number
  readonly comparison: Comparison
  readonly value: number
  /** The condition as written. */
  readonly source: string
}

const KEY = /^([A-Za-z_][A-Za-z0-9_]*)(?:\{([^{}]*)\})?$/
const TAG = /^\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*:\s*([^,]+?)\s*$/
const CONDITION =
  /^\s*(avg|min|max|med|count|rate|value|p\(\s*(\d+(?:\.\d+)?)\s*\))\s*(<=|>=|===|==|!=|<|>)\s*(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*$/i

/** Parses a threshold key; throws `E_SCENARIO_INVALID` naming the fix. */
export function parseThresholdKey(source: string): ThresholdKey {
  const match = KEY.exec(source.trim())
  if (match === null) {
    throw invalid(
      `thresholds['${source}']`,
      "is not a metric name with optional tags; write e.g. 'http_req_duration' or 'http_req_duration{op:read-product,workload:readers}'",
    )
  }
  const tags: Record<string, string> = {}
  const tagText = match[2]
  if (tagText !== undefined && tagText.trim() !== '') {
    for (const part of tagText.split(',')) {
      const tag = TAG.exec(part)
      if (tag === null) {
        throw invalid(
          `thresholds['${source}']`,
          `tag '${part.trim()}' is not name:value; write e.g. {op:read-product}`,
        )
      }
      tags[tag[1] as string] = tag[2] as string
    }
  }
  return { metric: match[1] as string, tags, source }
}

/** Parses one threshold condition such as `p(99)<50` or `rate<0.01`. */
export function parseThresholdCondition(source: string, field = 'threshold'): ThresholdCondition {
  const match = typeof source === 'string' ? CONDITION.exec(source) : null
  if (match === null) {
    throw invalid(
      field,
      `'${String(source)}' is not a threshold; write <aggregation><operator><number>, e.g. 'p(99)<50', 'avg<=20', 'rate<0.01', 'count==0' (aggregations: avg, min, max, med, p(N), count, rate, value; operators: < <= > >= == !=)`,
    )
  }
  const percentile = match[2] === undefined ? undefined : Number(match[2])
  if (percentile !== undefined && percentile > 100) {
    throw invalid(field, `'${source}' asks for p(${percentile}); a percentile is 0 to 100`)
  }
  const name = (match[1] as string).toLowerCase()
  const aggregation = (percentile === undefined ? name : `p(${percentile})`) as Aggregation
  const operator = match[3] === '===' ? '==' : (match[3] as Comparison)
  return { aggregation, percentile, comparison: operator, value: Number(match[4]), source }
}

/** Applies a comparison. */
export function compare(actual: number, comparison: Comparison, expected: number): boolean {
  switch (comparison) {
    case '<':
      return actual < expected
    case '<=':
      return actual <= expected
    case '>':
      return actual > expected
    case '>=':
      return actual >= expected
    case '==':
      return actual === expected
    case '!=':
      return actual !== expected
  }
}

function invalid(field: string, message: string): ScenarioError {
  return new ScenarioError('E_SCENARIO_INVALID', `${field}: ${message}.`, { context: { field } })
}
