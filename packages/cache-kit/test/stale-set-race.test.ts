import { describe, expect, test } from 'vitest'
import {
  createCache,
  createMemoryBusHub,
  createMemoryCacheStore,
  type CacheStore,
  type StoredEntry,
} from '@faultline/cache-kit'
import { raceCacheKit, raceNaive, type NaiveKv, type Row } from './fixtures/race.js'

const REPETITIONS = 1_000

function memoryKv(): NaiveKv {
  const map = new Map<string, string>()
  return {
    get: async (k) => Promise.resolve(map.get(k) ?? null),
    set: async (k, v) => void map.set(k, await Promise.resolve(v)),
    del: async (k) => void map.delete(await Promise.resolve(k)),
  }
}

describe('ReadThroughCache stale-set race', () => {
  test(`leaves 0 stale keys in L1 and L2 over ${REPETITIONS} forced races; a naive cache-aside leaves stale keys`, async () => {
    const store = createMemoryCacheStore()
    const cache = createCache({ store, l1: { maxEntries: 10_000 } })
    const l2View = createCache({ store })
    const db = new Map<string, Row>()
    let kitStale = 0
    let naiveStale = 0
    const kv = memoryKv()
    for (let i = 0; i < REPETITIONS; i += 1) {
      if (await raceCacheKit(cache, [cache, l2View], db, `kit:${i}`)) kitStale += 1
      if (await raceNaive(kv, db, `naive:${i}`)) naiveStale += 1
    }
    console.log(
      `stale-set race x${REPETITIONS} (memory): cache-kit stale=${kitStale}, naive stale=${naiveStale}`,
    )
    expect(naiveStale).toBe(REPETITIONS)
    expect(kitStale).toBe(0)
    expect(cache.stats().fillsRejected).toBeGreaterThanOrEqual(REPETITIONS)
  })

  test('a fill that L2 accepted before a remote invalidation does not land in L1 after it', async () => {
    const inner = createMemoryCacheStore()
    const hub = createMemoryBusHub()
    const afterFill = { hook: async (): Promise<void> => {} }
    // Node B's store returns from fill() only after node A's invalidation reached B over the bus.
    const storeB: CacheStore = {
      peek: (k) => inner.peek(k),
      read: (k, o) => inner.read(k, o),
      fill: async (t, e: StoredEntry, o) => {
        const r = await inner.fill(t, e, o)
        await afterFill.hook()
        return r
      },
      invalidate: (k, r) => inner.invalidate(k, r),
      invalidateTags: (t, ttl) => inner.invalidateTags(t, ttl),
      releaseLease: (k, o) => inner.releaseLease(k, o),
      close: () => inner.close(),
    }
    const a = createCache({ store: inner, bus: hub.createBus(), l1: {} })
    const b = createCache({ store: storeB, bus: hub.createBus(), l1: {} })
    await Promise.all([a.ready(), b.ready()])
    let version = 1
    const loader = async (): Promise<Row> => Promise.resolve({ id: 'k', version })

    // The naive two-tier variant (bus deletes from L1, L1 set after the L2 fill, no local fence)
    // run through the same interleaving keeps v1 in its L1.
    const naiveL1 = new Map<string, Row>()
    const naiveBus = hub.createBus()
    await naiveBus.subscribe({
      onMessage: (m) => m.keys.forEach((k) => naiveL1.delete(k)),
      onState: () => {},
    })
    const naiveReceived = new Promise<void>((resolve) => {
      const off = a.on('cache:invalidated', () => {
        off()
        setTimeout(resolve, 0)
      })
    })
    const naiveRead = await inner.read('n', { tags: [], now: Date.now(), ticketTtlMs: 60_000 })
    const naiveRow = await loader()
    await inner.fill(
      naiveRead.ticket,
      {
        payload: JSON.stringify(naiveRow),
        freshUntil: Date.now() + 60_000,
        refreshAt: Date.now() + 60_000,
        graceUntil: Date.now() + 60_000,
        tags: [],
      },
      { ttlMs: 60_000 },
    )
    version = 2
    await a.invalidate('n')
    await naiveReceived
    naiveL1.set('n', naiveRow)
    expect(naiveL1.get('n')?.version).toBe(1)
    expect(version).toBe(2)

    version = 1
    afterFill.hook = async () => {
      afterFill.hook = async () => {}
      version = 2
      const received = new Promise<void>((resolve) => {
        const off = b.on('cache:invalidated', () => {
          off()
          resolve()
        })
      })
      await a.invalidate('k')
      await received
    }
    expect((await b.getOrLoad('k', loader))?.version).toBe(1) // B's own read overlapped the write
    expect((await b.getOrLoad('k', loader))?.version).toBe(2)
    expect(b.stats().l1Hits).toBe(0)
  })
})
