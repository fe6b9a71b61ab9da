import type { CacheCounterName, CacheMetricsHook, CacheStats } from '@faultline/cache-kit'
import type { Registry } from 'prom-client'
import { gaugeFrom, type LabelledValue } from './derived-metrics.js'
import { counter, histogram } from './metric-factory.js'

const COUNTERS: Readonly<Record<CacheCounterName, { help: string; label?: string }>> = {
  cache_hits_total: { help: 'Cache hits, by tier (l1, l2).', label: 'tier' },
  cache_misses_total: { help: 'Cache misses (both tiers).' },
  cache_stale_served_total: { help: 'Stale values served, by reason.', label: 'reason' },
  cache_loads_total: { help: 'Loader calls.' },
  cache_load_failures_total: { help: 'Loader failures, by error code.', label: 'code' },
  cache_fills_total: { help: 'Fills written, by tier.', label: 'tier' },
  cache_fill_rejected_total: {
    help: 'Fills refused as stale (lease or version fence).',
    label: 'reason',
  },
  cache_invalidations_total: { help: 'Invalidations applied, by source.', label: 'source' },
  cache_store_errors_total: { help: 'L2 store errors, by operation.', label: 'operation' },
  cache_l1_flushes_total: { help: 'Whole-L1 flushes (bus lost, ...), by reason.', label: 'reason' },
}

/**
 * A cache-kit metrics hook on prom-client: pass it as the cache's `metrics` option. Every
 * counter carries a `cache` label, so several caches share one registry.
 */
export function cacheMetricsHook(registry: Registry, options: { cache: string }): CacheMetricsHook {
  const loads = histogram(registry, {
    name: 'cache_load_duration_seconds',
    help: 'Loader duration.',
    labelNames: ['cache'],
  })
  return {
    increment(name, labels) {
      const spec = COUNTERS[name]
      const labelNames = spec.label === undefined ? ['cache'] : ['cache', spec.label]
      const value = spec.label === undefined ? {} : { [spec.label]: labels[spec.label] ?? '' }
      counter(registry, { name, help: spec.help, labelNames }).inc({
        cache: options.cache,
        ...value,
      })
    },
    observeLoad(durationMs) {
      loads.observe({ cache: options.cache }, durationMs / 1000)
    },
  }
}

/**
 * Gauges read from `cache.stats()` at scrape time: `cache_hit_ratio` (hits / (hits + misses)
 * since start), `cache_l1_entries`, and `cache_store_up` / `cache_bus_up` (1 or 0).
 */
export function registerCacheGauges(
  registry: Registry,
  options: { cache: string; stats: () => CacheStats },
): void {
  const labels = { cache: options.cache }
  const one = (value: number): LabelledValue[] => [{ labels, value }]
  const spec = (name: string, help: string) => ({ name, help, labelNames: ['cache'] })
  gaugeFrom(registry, spec('cache_hit_ratio', 'Hits over lookups since start, 0 to 1.'), () => {
    const { hits, misses } = options.stats()
    return one(hits + misses === 0 ? 0 : hits / (hits + misses))
  })
  gaugeFrom(registry, spec('cache_l1_entries', 'Entries in the in-process L1.'), () =>
    one(options.stats().l1Size),
  )
  gaugeFrom(registry, spec('cache_store_up', 'Whether the L2 store answers (1) or not (0).'), () =>
    one(options.stats().storeAvailable ? 1 : 0),
  )
  gaugeFrom(registry, spec('cache_bus_up', 'Whether the invalidation bus is connected.'), () => {
    const { busState } = options.stats()
    return busState === 'none' ? [] : one(busState === 'up' ? 1 : 0)
  })
}
