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

/** Labels on a counter increment. */
export type CacheLabels = Readonly<Record<string, string>>

/**
 * Prometheus-style metrics hook: wire it to prom-client (`counter.inc(labels)`) or any other
 * registry. Calls are synchronous and must not throw.
 */
export interface CacheMetricsHook {
  increment(name: CacheCounterName, labels: CacheLabels): void
  /** Loader duration in milliseconds. */
  observeLoad?(durationMs: number, labels: CacheLabels): void
}

/** Subscribes a metrics hook to a cache's events. Returns a function that detaches it. */
export function attachMetrics(emitter: CacheEmitter, hook: CacheMetricsHook): () => void {
  const offs = [
    emitter.on('cache:hit', (e) => hook.increment('cache_hits_total', { tier: e.tier })),
    emitter.on('cache:miss', () => hook.increment('cache_misses_total', {})),
    emitter.on('cache:stale-served', (e) =>
      hook.increment('cache_stale_served_total', { reason: e.reason }),
    ),
    emitter.on('cache:loaded', (e) => {
      hook.increment('cache_loads_total', {})
      hook.observeLoad?.(e.durationMs, {})
    }),
    emitter.on('cache:load-failed', (e) =>
      hook.increment('cache_load_failures_total', { code: e.error.code }),
    ),
    emitter.on('cache:filled', (e) => hook.increment('cache_fills_total', { tier: e.tier })),
    emitter.on('cache:fill-rejected', (e) =>
      hook.increment('cache_fill_rejected_total', { reason: e.reason }),
    ),
    emitter.on('cache:invalidated', (e) =>
      hook.increment('cache_invalidations_total', { source: e.source }),
    ),
    emitter.on('cache:store-error', (e) =>
      hook.increment('cache_store_errors_total', { operation: e.operation }),
    ),
    emitter.on('cache:l1-flushed', (e) =>
      hook.increment('cache_l1_flushes_total', { reason: e.reason }),
    ),
  ]
  return () => offs.forEach((off) => off())
}

/** A dependency-free counter registry that renders the Prometheus text format. */
export class CounterRegistry implements CacheMetricsHook {
  readonly #values = new Map<string, number>()

  increment(name: CacheCounterName, labels: CacheLabels): void {
    const body = Object.entries(labels)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`)
      .join(',')
    const series = body === '' ? name : `${name}{${body}}`
    this.#values.set(series, (this.#values.get(series) ?? 0) + 1)
  }

  /** The current value of one series, e.g. `cache_hits_total{tier="l1"}`. */
  value(series: string): number {
    return this.#values.get(series) ?? 0
  }

  /** Prometheus exposition text. */
  render(): string {
    return [...this.#values].map(([series, v]) => `${series} ${v}`).join('\n') + '\n'
  }
}
