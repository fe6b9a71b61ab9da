import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import { checkMetricName } from './metric-names.js'

/** Name, help and labels of a metric a helper creates. */
export interface MetricSpec {
  readonly name: string
  readonly help: string
  readonly labelNames: readonly string[]
}

/** Durations from 1 ms to 1 min, in seconds. */
export const SECONDS_BUCKETS = [
  0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
]

/** The registry's counter of that name, created on first use (several kits may share one). */
export function counter(registry: Registry, spec: MetricSpec): Counter {
  const existing = registry.getSingleMetric(spec.name)
  if (existing !== undefined) return existing as Counter
  return new Counter({
    name: checkMetricName(spec.name, 'counter'),
    help: spec.help,
    labelNames: [...spec.labelNames],
    registers: [registry],
  })
}

/** The registry's histogram of that name, created on first use. */
export function histogram(registry: Registry, spec: MetricSpec): Histogram {
  const existing = registry.getSingleMetric(spec.name)
  if (existing !== undefined) return existing as Histogram
  return new Histogram({
    name: checkMetricName(spec.name, 'histogram'),
    help: spec.help,
    labelNames: [...spec.labelNames],
    buckets: SECONDS_BUCKETS,
    registers: [registry],
  })
}

/** The registry's gauge of that name, created on first use. */
export function gauge(registry: Registry, spec: MetricSpec): Gauge {
  const existing = registry.getSingleMetric(spec.name)
  if (existing !== undefined) return existing as Gauge
  return new Gauge({
    name: checkMetricName(spec.name, 'gauge'),
    help: spec.help,
    labelNames: [...spec.labelNames],
    registers: [registry],
  })
}
