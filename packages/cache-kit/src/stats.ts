import type { CacheEmitter } from './events.js'

/** Counts since the cache was created, plus current state. */
export interface CacheStats {
  hits: number
  l1Hits: number
  l2Hits: number
  misses: number
  staleServed: number
  loads: number
  loadFailures: number
  fills: number
  fillsRejected: number
  invalidations: number
  storeErrors: number
  l1Flushes: number
  l1Size: number
  busState: 'up' | 'down' | 'none'
  storeAvailable: boolean
}

/** Counters only; the cache adds the current-state fields. */
export type CacheCounts = Omit<CacheStats, 'l1Size' | 'busState' | 'storeAvailable'>

/** Keeps {@link CacheCounts} up to date from a cache's events. */
export function trackCounts(emitter: CacheEmitter): CacheCounts {
  const c: CacheCounts = {
    hits: 0,
    l1Hits: 0,
    l2Hits: 0,
    misses: 0,
    staleServed: 0,
    loads: 0,
    loadFailures: 0,
    fills: 0,
    fillsRejected: 0,
    invalidations: 0,
    storeErrors: 0,
    l1Flushes: 0,
  }
  emitter.on('cache:hit', (e) => {
    c.hits += 1
    if (e.tier === 'l1') c.l1Hits += 1
    else c.l2Hits += 1
  })
  emitter.on('cache:miss', () => (c.misses += 1))
  emitter.on('cache:stale-served', () => (c.staleServed += 1))
  emitter.on('cache:loaded', () => (c.loads += 1))
  emitter.on('cache:load-failed', () => (c.loadFailures += 1))
  emitter.on('cache:filled', (e) => (c.fills += e.tier === 'l2' ? 1 : 0))
  emitter.on('cache:fill-rejected', () => (c.fillsRejected += 1))
  emitter.on('cache:invalidated', () => (c.invalidations += 1))
  emitter.on('cache:store-error', () => (c.storeErrors += 1))
  emitter.on('cache:l1-flushed', () => (c.l1Flushes += 1))
  return c
}
