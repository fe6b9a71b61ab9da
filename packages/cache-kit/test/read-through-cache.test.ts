import { describe, expect, test, vi } from 'vitest'
import {
  CounterRegistry,
  createCache,
  createMemoryCacheStore,
  type CacheEventName,
  type CacheOptions,
  type ReadThroughCache,
} from '@faultline/cache-kit'
import { createManualClock } from '@faultline/cache-kit/testing'
import { deferred } from './fixtures/race.js'

function setup(options: Partial<CacheOptions> = {}) {
  const clock = createManualClock()
  const store = createMemoryCacheStore({ clock })
  const cache = createCache({ store, clock, l1: {}, ...options })
  return { clock, store, cache }
}

/**
 * Resolves once every callback queued so far has run, with the microtasks each one started: with
 * the memory adapters (no I/O, no timers) that is every step a background refresh takes. Event-loop
 * order, not wall-clock time, so it holds on a busy machine.
 */
async function drain(): Promise<void> {
  for (let turn = 0; turn < 3; turn += 1) await new Promise((resolve) => setImmediate(resolve))
}

function record(cache: ReadThroughCache, ...names: CacheEventName[]): string[] {
  const seen: string[] = []
  for (const name of names)
    cache.on(name, (event) =>
      seen.push(`${name}:${'reason' in event ? event.reason : 'tier' in event ? event.tier : ''}`),
    )
  return seen
}

describe('ReadThroughCache', () => {
  test('getOrLoad() loads on a miss, then serves L1 hits, with events and stats', async () => {
    const { cache } = setup()
    const events = record(cache, 'cache:hit', 'cache:miss', 'cache:filled')
    let calls = 0
    const loader = () => ((calls += 1), { n: calls })
    expect(await cache.getOrLoad('k', loader)).toStrictEqual({ n: 1 })
    expect(await cache.getOrLoad('k', loader)).toStrictEqual({ n: 1 })
    expect(calls).toBe(1)
    expect(events).toStrictEqual([
      'cache:miss:',
      'cache:filled:l2',
      'cache:filled:l1',
      'cache:hit:l1',
    ])
    expect(cache.stats()).toMatchObject({
      hits: 1,
      l1Hits: 1,
      misses: 1,
      loads: 1,
      fills: 1,
      l1Size: 1,
    })
  })

  test('getOrLoad() calls the loader once under 1000 concurrent misses in one process', async () => {
    const { cache } = setup()
    const gate = deferred()
    let calls = 0
    const loader = async () => ((calls += 1), await gate.promise, 'v')
    const all = Promise.all(Array.from({ length: 1_000 }, () => cache.getOrLoad('hot', loader)))
    gate.resolve()
    expect(new Set(await all)).toStrictEqual(new Set(['v']))
    expect(calls).toBe(1)
  })

  test('an entry expires after ttlMs and is reloaded', async () => {
    const { cache, clock } = setup({ ttlMs: 1_000 })
    let loads = 0
    const loader = () => (loads += 1)
    await cache.getOrLoad('k', loader)
    clock.advance(999)
    expect(await cache.getOrLoad('k', loader)).toBe(1)
    clock.advance(1)
    expect(await cache.getOrLoad('k', loader)).toBe(2)
  })

  test('jitter shortens the TTL by up to its fraction', async () => {
    const { cache, clock } = setup({ ttlMs: 1_000, jitter: 0.5, random: () => 1 })
    let loads = 0
    await cache.getOrLoad('k', () => (loads += 1))
    clock.advance(500)
    expect(await cache.getOrLoad('k', () => (loads += 1))).toBe(2)
  })

  test('within graceMs a failing loader is answered with the stale value; past grace the error surfaces', async () => {
    const { cache, clock } = setup({ ttlMs: 1_000, graceMs: 5_000 })
    const events = record(cache, 'cache:stale-served')
    await cache.getOrLoad('k', () => 'v1')
    clock.advance(2_000)
    const failing = () => {
      throw new Error('db down')
    }
    expect(await cache.getOrLoad('k', failing)).toBe('v1')
    expect(events).toStrictEqual(['cache:stale-served:loader-failed'])
    clock.advance(5_000)
    await expect(cache.getOrLoad('k', failing)).rejects.toMatchObject({
      code: 'E_CACHE_LOADER_FAILED',
    })
  })

  test('softTimeoutMs returns the stale value and lets the refresh land in the background', async () => {
    const { cache, clock } = setup({ ttlMs: 1_000, graceMs: 60_000, softTimeoutMs: 10 })
    await cache.getOrLoad('k', () => 'v1')
    clock.advance(1_500)
    const gate = deferred()
    expect(await cache.getOrLoad('k', async () => (await gate.promise, 'v2'))).toBe('v1')
    gate.resolve()
    await vi.waitFor(() => expect(cache.stats().fills).toBe(2), { timeout: 30_000 })
    expect(await cache.getOrLoad('k', () => 'v3')).toBe('v2')
  })

  test('hardTimeoutMs aborts the loader signal and caches nothing', async () => {
    const { cache, store } = setup({ hardTimeoutMs: 20, tombstoneTtlMs: 1_000 })
    let aborted = false
    const loader = (ctx: { signal: AbortSignal }) =>
      new Promise<string>(() => ctx.signal.addEventListener('abort', () => (aborted = true)))
    await expect(cache.getOrLoad('k', loader)).rejects.toMatchObject({
      code: 'E_CACHE_LOADER_TIMEOUT',
      retryable: true,
    })
    expect(aborted).toBe(true)
    expect(
      (await store.read('k', { tags: [], now: Date.now(), ticketTtlMs: 60_000 })).entry,
    ).toBeUndefined()
  })

  test('"not found" is cached for negativeTtlMs, and an insert (applyChange) ends it at once', async () => {
    const { cache } = setup({ negativeTtlMs: 30_000 })
    const db = new Map<string, { version: number }>()
    let calls = 0
    const loader = (ctx: { report(s: { version?: number }): void }) => {
      calls += 1
      const row = db.get('p')
      if (row) ctx.report({ version: row.version })
      return row
    }
    expect(await cache.getOrLoad('p', loader)).toBeUndefined()
    expect(await cache.getOrLoad('p', loader)).toBeUndefined()
    expect(calls).toBe(1)
    db.set('p', { version: 1 })
    await cache.applyChange({ key: 'p', version: 1 })
    expect(await cache.getOrLoad('p', loader)).toStrictEqual({ version: 1 })
  })

  test('without negativeTtlMs, "not found" is not cached', async () => {
    const { cache } = setup()
    let calls = 0
    await cache.getOrLoad('p', () => void (calls += 1))
    await cache.getOrLoad('p', () => void (calls += 1))
    expect(calls).toBe(2)
  })

  test('applyChange() is idempotent and never moves a key backwards', async () => {
    const { cache } = setup()
    expect((await cache.applyChange({ key: 'k', version: 3 })).applied).toBe(true)
    expect((await cache.applyChange({ key: 'k', version: 3 })).applied).toBe(false)
    expect(await cache.applyChange({ key: 'k', version: 2 })).toStrictEqual({
      applied: false,
      watermark: { version: 3 },
    })
    // A loader that read version 2 (a lagging source) is refused, retried, then reported as stale.
    const error: unknown = await cache
      .getOrLoad('k', (ctx) => (ctx.report({ version: 2 }), 'old'))
      .catch((thrown: unknown) => thrown)
    expect(error).toMatchObject({ code: 'E_CACHE_STALE_LOAD' })
    let attempt = 0
    expect(
      await cache.getOrLoad(
        'k',
        (ctx) => ((attempt = ctx.attempt), ctx.report({ version: ctx.attempt + 2 }), 'v'),
      ),
    ).toBe('v')
    expect(attempt).toBe(1)
  })

  test('invalidateTags() drops tagged entries in both tiers and refuses tagged fills in flight', async () => {
    const { cache } = setup()
    let loads = 0
    const loader = () => (loads += 1)
    await cache.getOrLoad('a', loader, { tags: ['cat:1'] })
    await cache.getOrLoad('b', loader, { tags: ['cat:2'] })
    const gate = deferred()
    const started = deferred()
    const inflight = cache.getOrLoad(
      'c',
      async () => (started.resolve(), await gate.promise, 'old'),
      {
        tags: ['cat:1'],
      },
    )
    await started.promise
    await cache.invalidateTags(['cat:1'])
    gate.resolve()
    await inflight
    expect(await cache.getOrLoad('a', loader, { tags: ['cat:1'] })).toBe(3)
    expect(await cache.getOrLoad('b', loader, { tags: ['cat:2'] })).toBe(2)
    expect(await cache.getOrLoad('c', () => 'new', { tags: ['cat:1'] })).toBe('new')
  })

  test('eagerRefresh reloads in the background once the fraction of the TTL has passed', async () => {
    const { cache, clock } = setup({ ttlMs: 1_000, eagerRefresh: 0.8 })
    let loads = 0
    const loader = () => (loads += 1)
    await cache.getOrLoad('k', loader)
    clock.advance(850)
    expect(await cache.getOrLoad('k', loader)).toBe(1) // served at once; refresh starts
    await vi.waitFor(() => expect(loads).toBe(2), { timeout: 30_000 })
    expect(await cache.getOrLoad('k', loader)).toBe(2)
  })

  test('eagerRefresh also works without an L1 (from L2 hits), and a batch hit never triggers it', async () => {
    const { cache, clock } = setup({ ttlMs: 1_000, eagerRefresh: 0.8, l1: false })
    let loads = 0
    const loader = () => (loads += 1)
    await cache.getOrLoad('k', loader)
    clock.advance(850)
    expect([
      ...(await cache.getManyOrLoad(['k'], async () => Promise.resolve({ k: 99 }))),
    ]).toStrictEqual([['k', 1]])
    await drain()
    expect(loads).toBe(1)
    expect(await cache.getOrLoad('k', loader)).toBe(1)
    await vi.waitFor(() => expect(loads).toBe(2), { timeout: 30_000 })
    expect(await cache.getOrLoad('k', loader)).toBe(2)
  })

  test('getManyOrLoad() loads all misses in one batch call and serves hits from the tiers', async () => {
    const { cache } = setup({ negativeTtlMs: 10_000 })
    await cache.getOrLoad('p1', () => 'cached')
    const batches: string[][] = []
    const result = await cache.getManyOrLoad(['p1', 'p2', 'p3', 'p2'], async (keys) => {
      batches.push([...keys])
      return Promise.resolve(new Map([['p2', 'two']]))
    })
    expect(batches).toStrictEqual([['p2', 'p3']])
    expect([...result]).toStrictEqual([
      ['p1', 'cached'],
      ['p2', 'two'],
      ['p3', undefined],
    ])
    await cache.getManyOrLoad(
      ['p2', 'p3'],
      async (keys) => (batches.push([...keys]), Promise.resolve({})),
    )
    expect(batches).toHaveLength(1)
  })

  test('metrics hook counts hits, misses and rejected fills in Prometheus form', async () => {
    const metrics = new CounterRegistry()
    const { cache } = setup({ metrics })
    const gate = deferred()
    const started = deferred()
    const slow = cache.getOrLoad('k', async () => (started.resolve(), await gate.promise, 1))
    await started.promise
    await cache.invalidate('k')
    gate.resolve()
    await slow
    await cache.getOrLoad('k', () => 2)
    await cache.getOrLoad('k', () => 3)
    expect(metrics.value('cache_misses_total')).toBe(2)
    expect(metrics.value('cache_hits_total{tier="l1"}')).toBe(1)
    expect(metrics.value('cache_fill_rejected_total{reason="invalidated"}')).toBe(1)
    expect(metrics.render()).toContain('cache_invalidations_total{source="local"} 1')
  })

  test('a listener that throws does not break the read', async () => {
    const { cache } = setup()
    cache.on('cache:miss', () => {
      throw new Error('listener bug')
    })
    expect(await cache.getOrLoad('k', () => 'v')).toBe('v')
  })
})
