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

/** @internal Counters only; the cache adds the current-state fields. */
export type CacheCounts = Omit<CacheStats, 'l1Size' | 'busState' | 'storeAvailable'>

/** @internal Keeps {@link CacheCounts} up to date from a cache's events. */
export function trackCounts(emitter: CacheEmitter): CacheCounts {
  const counts: CacheCounts = {
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
  emitter.on('cache:hit', (event) => {
    counts.hits += 1
    if (event.tier === 'l1') counts.l1Hits += 1
    else counts.l2Hits += 1
  })
  emitter.on('cache:miss', () => (counts.misses += 1))
  emitter.on('cache:stale-served', () => (counts.staleServed += 1))
  emitter.on('cache:loaded', () => (counts.loads += 1))
  emitter.on('cache:load-failed', () => (counts.loadFailures += 1))
  emitter.on('cache:filled', (event) => (counts.fills += event.tier === 'l2' ? 1 : 0))
  emitter.on('cache:fill-rejected', () => (counts.fillsRejected += 1))
  emitter.on('cache:invalidated', () => (counts.invalidations += 1))
  emitter.on('cache:store-error', () => (counts.storeErrors += 1))
  emitter.on('cache:l1-flushed', () => (counts.l1Flushes += 1))
  return counts
}
