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
    get: async (key) => Promise.resolve(map.get(key) ?? null),
    set: async (key, value) => void map.set(key, await Promise.resolve(value)),
    del: async (key) => void map.delete(await Promise.resolve(key)),
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
    for (let race = 0; race < REPETITIONS; race += 1) {
      if (await raceCacheKit(cache, [cache, l2View], db, `kit:${race}`)) kitStale += 1
      if (await raceNaive(kv, db, `naive:${race}`)) naiveStale += 1
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
      peek: (key) => inner.peek(key),
      read: (key, options) => inner.read(key, options),
      fill: async (ticket, entry: StoredEntry, options) => {
        const result = await inner.fill(ticket, entry, options)
        await afterFill.hook()
        return result
      },
      invalidate: (key, request) => inner.invalidate(key, request),
      invalidateTags: (tags, ttl) => inner.invalidateTags(tags, ttl),
      releaseLease: (key, owner) => inner.releaseLease(key, owner),
      close: () => inner.close(),
    }
    const nodeA = createCache({ store: inner, bus: hub.createBus(), l1: {} })
    const nodeB = createCache({ store: storeB, bus: hub.createBus(), l1: {} })
    await Promise.all([nodeA.ready(), nodeB.ready()])
    let version = 1
    const loader = async (): Promise<Row> => Promise.resolve({ id: 'k', version })

    // The naive two-tier variant (bus deletes from L1, L1 set after the L2 fill, no local fence)
    // run through the same interleaving keeps v1 in its L1.
    const naiveL1 = new Map<string, Row>()
    const naiveBus = hub.createBus()
    await naiveBus.subscribe({
      onMessage: (message) => message.keys.forEach((key) => naiveL1.delete(key)),
      onState: () => {},
    })
    const naiveReceived = new Promise<void>((resolve) => {
      const off = nodeA.on('cache:invalidated', () => {
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
    await nodeA.invalidate('n')
    await naiveReceived
    naiveL1.set('n', naiveRow)
    expect(naiveL1.get('n')?.version).toBe(1)
    expect(version).toBe(2)

    version = 1
    afterFill.hook = async () => {
      afterFill.hook = async () => {}
      version = 2
      const received = new Promise<void>((resolve) => {
        const off = nodeB.on('cache:invalidated', () => {
          off()
          resolve()
        })
      })
      await nodeA.invalidate('k')
      await received
    }
    expect((await nodeB.getOrLoad('k', loader))?.version).toBe(1) // B's own read overlapped the write
    expect((await nodeB.getOrLoad('k', loader))?.version).toBe(2)
    expect(nodeB.stats().l1Hits).toBe(0)
  })
})
