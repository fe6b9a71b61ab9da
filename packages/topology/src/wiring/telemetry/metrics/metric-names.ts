import { badTelemetryOption } from '../telemetry-error.js'

/** The kinds of metric the helpers create. */
export type MetricKind = 'counter' | 'gauge' | 'histogram'

const NAME = /^[a-z_][a-z0-9_]*$/
const NON_BASE_UNITS =
  /_(ms|milliseconds|microseconds|us|ns|minutes|hours|kb|mb|gb|kilobytes|megabytes|percent)(_total)?$/

/**
 * Checks a metric name against Prometheus conventions: snake_case, counters end in `_total`,
 * only counters do, durations are `_seconds` and sizes `_bytes` (base units, never ms or MB).
 */
export function checkMetricName(name: string, kind: MetricKind): string {
  const fail = (why: string) => badTelemetryOption('name', `metric ${name}: ${why}.`)
  if (!NAME.test(name)) throw fail('names are lowercase snake_case')
  if (kind === 'counter' && !name.endsWith('_total')) throw fail('a counter name ends in _total')
  if (kind !== 'counter' && name.endsWith('_total')) throw fail('only counters end in _total')
  if (NON_BASE_UNITS.test(name)) throw fail('use base units: _seconds, _bytes, _ratio')
  if (kind === 'histogram' && !/_(seconds|bytes)$/.test(name)) {
    throw fail('a histogram measures seconds or bytes and says which')
  }
  return name
}
