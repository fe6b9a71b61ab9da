import type { CacheEmitter } from './events.js'

/** Counter names a cache increments through a {@link CacheMetricsHook}. */
export type CacheCounterName =
  | 'cache_hits_total'
  | 'cache_misses_total'
  | 'cache_stale_served_total'
  | 'cache_loads_total'
  | 'cache_load_failures_total'
  | 'cache_fills_total'
  | 'cache_fill_rejected_total'
  | 'cache_invalidations_total'
  | 'cache_store_errors_total'
  | 'cache_l1_flushes_total'

/**
 * Gauge names a cache sets through {@link CacheMetricsHook.gauge}: 1 while the backend answers
 * (the store) or is subscribed (the bus), 0 while it does not, so a misconfigured or unreachable
 * Redis shows on a dashboard and can be alerted on.
 */
export type CacheGaugeName = 'cache_store_up' | 'cache_bus_up'

/** Labels on a counter increment. */
export type CacheLabels = Readonly<Record<string, string>>

/**
 * Prometheus-style metrics hook: wire it to prom-client (`counter.inc(labels)`,
 * `gauge.set(labels, value)`) or any other registry. Calls are synchronous and must not throw.
 */
export interface CacheMetricsHook {
  increment(name: CacheCounterName, labels: CacheLabels): void
  /** Sets a gauge; optional so a counters-only hook still fits. */
  gauge?(name: CacheGaugeName, value: number, labels: CacheLabels): void
  /** Loader duration in milliseconds. */
  observeLoad?(durationMs: number, labels: CacheLabels): void
}

/** @internal Subscribes a metrics hook to a cache's events. Returns a function that detaches it. */
export function attachMetrics(emitter: CacheEmitter, hook: CacheMetricsHook): () => void {
  const count = (name: CacheCounterName, labels: CacheLabels = {}) => hook.increment(name, labels)
  const detach = [
    emitter.on('cache:hit', (event) => count('cache_hits_total', { tier: event.tier })),
    emitter.on('cache:miss', () => count('cache_misses_total')),
    emitter.on('cache:stale-served', (event) =>
      count('cache_stale_served_total', { reason: event.reason }),
    ),
    emitter.on('cache:loaded', (event) => {
      count('cache_loads_total')
      hook.observeLoad?.(event.durationMs, {})
    }),
    emitter.on('cache:load-failed', (event) =>
      count('cache_load_failures_total', { code: event.error.code }),
    ),
    emitter.on('cache:filled', (event) => count('cache_fills_total', { tier: event.tier })),
    emitter.on('cache:fill-rejected', (event) =>
      count('cache_fill_rejected_total', { reason: event.reason }),
    ),
    emitter.on('cache:invalidated', (event) =>
      count('cache_invalidations_total', { source: event.source }),
    ),
    emitter.on('cache:store-error', (event) =>
      count('cache_store_errors_total', { operation: event.operation }),
    ),
    emitter.on('cache:l1-flushed', (event) =>
      count('cache_l1_flushes_total', { reason: event.reason }),
    ),
    emitter.on('cache:store-state', (event) =>
      hook.gauge?.('cache_store_up', event.state === 'up' ? 1 : 0, {}),
    ),
    emitter.on('cache:bus-state', (event) =>
      hook.gauge?.('cache_bus_up', event.state === 'up' ? 1 : 0, {}),
    ),
  ]
  return () => detach.forEach((off) => off())
}

/**
 * A dependency-free {@link CacheMetricsHook} that keeps counters and gauges in memory and renders
 * the Prometheus text format.
 */
export class CounterRegistry implements CacheMetricsHook {
  readonly #values = new Map<string, number>()

  increment(name: CacheCounterName, labels: CacheLabels): void {
    const series = seriesName(name, labels)
    this.#values.set(series, (this.#values.get(series) ?? 0) + 1)
  }

  gauge(name: CacheGaugeName, value: number, labels: CacheLabels): void {
    this.#values.set(seriesName(name, labels), value)
  }

  /** The current value of one series, e.g. `cache_hits_total{tier="l1"}`; 0 if never set. */
  value(series: string): number {
    return this.#values.get(series) ?? 0
  }

  /** True once the series was incremented or set. */
  has(series: string): boolean {
    return this.#values.has(series)
  }

  /** Prometheus exposition text. */
  render(): string {
    return [...this.#values].map(([series, value]) => `${series} ${value}`).join('\n') + '\n'
  }
}

function seriesName(name: string, labels: CacheLabels): string {
  const body = Object.entries(labels)
    .sort(([left], [right]) => left.localeCompare(right))
    .map(([label, value]) => `${label}="${value.replace(/["\\\n]/g, '_')}"`)
    .join(',')
  return body === '' ? name : `${name}{${body}}`
}
