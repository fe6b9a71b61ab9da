import { describe, expect, test } from 'vitest'
import {
  createCache,
  createMemoryCacheStore,
  isCacheKitError,
  type CacheStore,
} from '@faultline/cache-kit'
import { createManualClock } from '@faultline/cache-kit/testing'
import { deferred } from './fixtures/race.js'

/**
 * These loaders never settle on their own, so without the close signal `close()` (which waits for
 * background work) and the callers would hang until the test times out.
 */
describe('ReadThroughCache close()', () => {
  test('aborts a load in flight: its signal fires and the caller gets E_CACHE_CLOSED at once', async () => {
    const cache = createCache({
      store: createMemoryCacheStore(),
      hardTimeoutMs: 3_600_000,
      tombstoneTtlMs: 7_200_001,
    })
    const started = deferred<AbortSignal>()
    const pending = cache
      .getOrLoad('k', (ctx) => (started.resolve(ctx.signal), new Promise<never>(() => {})))
      .catch((thrown: unknown) => thrown)
    const signal = await started.promise
    await cache.close()
    const error = await pending
    expect(isCacheKitError(error) && error.code).toBe('E_CACHE_CLOSED')
    expect(signal.aborted).toBe(true)
  })

  test('does not wait for a background refresh whose loader never returns', async () => {
    const clock = createManualClock()
    const cache = createCache({
      store: createMemoryCacheStore({ clock }),
      clock,
      l1: {},
      ttlMs: 1_000,
      eagerRefresh: 0.5,
      hardTimeoutMs: 3_600_000,
      tombstoneTtlMs: 7_200_001,
    })
    await cache.getOrLoad('k', () => 'v1')
    clock.advance(600)
    const refreshing = deferred()
    expect(
      await cache.getOrLoad('k', () => (refreshing.resolve(), new Promise<never>(() => {}))),
    ).toBe('v1')
    await refreshing.promise
    await cache.close()
  })

  test("stops a caller waiting for another node's lease", async () => {
    const inner = createMemoryCacheStore()
    const lease = await inner.read('k', {
      tags: [],
      now: Date.now(),
      leaseOwner: 'another-node',
      leaseTtlMs: 3_600_000,
      ticketTtlMs: 600_000,
    })
    expect(lease.lease).toBe('acquired')
    let reads = 0
    const polled = deferred()
    const store: CacheStore = {
      ...bind(inner),
      read: (key, options) => {
        reads += 1
        if (reads === 3) polled.resolve() // the miss read, then two polls: it is waiting
        return inner.read(key, options)
      },
    }
    const cache = createCache({ store, leaseWaitMs: 3_600_000, leasePollMs: 1 })
    const pending = cache.getOrLoad('k', () => 'loaded').catch((thrown: unknown) => thrown)
    await polled.promise
    await cache.close()
    const error = await pending
    expect(isCacheKitError(error) && error.code).toBe('E_CACHE_CLOSED')
  })
})

/** The store's methods as plain functions, so a test can override one. */
function bind(store: CacheStore): CacheStore {
  return {
    peek: (key) => store.peek(key),
    read: (key, options) => store.read(key, options),
    fill: (ticket, entry, options) => store.fill(ticket, entry, options),
    invalidate: (key, request) => store.invalidate(key, request),
    invalidateTags: (tags, ttl) => store.invalidateTags(tags, ttl),
    releaseLease: (key, owner) => store.releaseLease(key, owner),
    close: () => store.close(),
  }
}
