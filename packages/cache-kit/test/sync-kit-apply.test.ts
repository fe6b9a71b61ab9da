import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import {
  createCache,
  createMemoryCacheStore,
  formatLsn,
  type LoaderContext,
  type ReadThroughCache,
} from '@faultline/cache-kit'
import { applyEvent } from '@faultline/cache-kit/sync-kit'
import type { ConsumedEvent } from '@faultline/sync-kit'

/** The database: one product row whose version each write bumps. */
function catalog() {
  const row = { id: '42', version: 1 }
  let loads = 0
  return {
    write(): void {
      row.version += 1
    },
    loads: () => loads,
    load: (ctx: LoaderContext) => {
      loads += 1
      ctx.report({ version: row.version })
      return { ...row }
    },
  }
}

/** The event the write to `version` produced, as sync-kit's consumer hands it over. */
function eventFor(version: number, overrides: Partial<ConsumedEvent> = {}): ConsumedEvent {
  return {
    id: `0190f3c4-7a1b-7c2d-8e3f-${String(version).padStart(12, '0')}`,
    aggregateType: 'product',
    aggregateId: '42',
    type: 'catalog.product.changed',
    schemaVersion: 1,
    sequence: version,
    payload: {},
    headers: {},
    occurredAt: new Date(0).toISOString(),
    commitLsn: formatLsn(0x1_0000_0000n + BigInt(version) * 0x100n),
    ...overrides,
  }
}

const KEY = 'product:42'

function setup() {
  const db = catalog()
  const cache = createCache({ store: createMemoryCacheStore(), l1: {}, ttlMs: 60_000 })
  const read = async () => (await cache.getOrLoad(KEY, db.load))?.version
  return { db, cache, read }
}

describe('applyEvent()', () => {
  test('a cache that served v1 serves v2 after the event, and a replayed v1 event does not roll it back', async () => {
    const { db, cache, read } = setup()
    expect(await read()).toBe(1)
    db.write()
    expect(await read()).toBe(1) // nothing told the cache yet
    const applied = await applyEvent(cache, eventFor(2), { key: KEY })
    expect(applied.applied).toBe(true)
    expect(applied.changes[0]?.watermark).toStrictEqual({ version: 2, lsn: '1/200' })
    expect(await read()).toBe(2)
    const replay = await applyEvent(cache, eventFor(1), { key: KEY })
    expect(replay).toStrictEqual({
      applied: false,
      changes: [{ applied: false, watermark: { version: 2, lsn: '1/200' } }],
    })
    expect(await read()).toBe(2)
    expect(db.loads()).toBe(2) // the replay did not even cost a reload
    await cache.close()
  })

  test("without it: the envelope's schemaVersion taken as the row version leaves v1 cached", async () => {
    // What the README used to show for sync-kit envelopes: every event of schema 1 is "version 1".
    const { db, cache, read } = setup()
    await cache.applyChange({ key: KEY, version: eventFor(1).schemaVersion })
    expect(await read()).toBe(1)
    db.write()
    await cache.applyChange({ key: KEY, version: eventFor(2).schemaVersion })
    expect(await read()).toBe(1) // stale: the change looked like a replay
    await cache.close()
  })

  test('events in any order, replayed any number of times, never move the key backwards', async () => {
    const versionsArb = fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 20 })
    const cache = createCache({ store: createMemoryCacheStore() })
    let run = 0
    await fc.assert(
      fc.asyncProperty(versionsArb, async (versions) => {
        const key = `product:${++run}` // a fresh key per run: no watermark yet
        let newest = 0
        for (const version of versions) {
          const result = await applyEvent(cache, eventFor(version), { key })
          expect(result.applied).toBe(version > newest)
          newest = Math.max(newest, version)
          expect(result.changes[0]?.watermark).toStrictEqual({
            version: newest,
            lsn: eventFor(newest).commitLsn,
          })
        }
      }),
    )
    await cache.close()
  })

  test('applies every key, then voids the tags', async () => {
    const cache = createCache({ store: createMemoryCacheStore(), l1: {} })
    let loads = 0
    const load = () => ++loads
    await cache.getOrLoad('product:42', load)
    await cache.getOrLoad('product-by-sku:LAMP', load)
    await cache.getOrLoad('page:lamps', load, { tags: ['category:lamps'] })
    const result = await applyEvent(cache, eventFor(2), {
      key: ['product:42', 'product-by-sku:LAMP'],
      tags: ['category:lamps'],
    })
    expect(result.changes.map((change) => change.applied)).toStrictEqual([true, true])
    expect(await cache.getOrLoad('product:42', load)).toBe(4)
    expect(await cache.getOrLoad('product-by-sku:LAMP', load)).toBe(5)
    expect(await cache.getOrLoad('page:lamps', load, { tags: ['category:lamps'] })).toBe(6)
    await cache.close()
  })

  test('an event without a commitLsn changes nothing and says why: never a silent applied', async () => {
    const { cache, read, db } = setup()
    expect(await read()).toBe(1)
    const applying = applyEvent(cache, eventFor(2, { commitLsn: undefined }), { key: KEY })
    await expect(applying).rejects.toMatchObject({
      code: 'E_CACHE_INVALID_EVENT',
      context: { field: 'commitLsn', key: KEY },
    })
    expect(await read()).toBe(1)
    expect(db.loads()).toBe(1)
    await cache.close()
  })

  test('every key and the tags are checked before anything is applied', async () => {
    const { cache, read, db } = setup()
    expect(await read()).toBe(1)
    const applying = applyEvent(cache, eventFor(2), { key: [KEY, ''] })
    await expect(applying).rejects.toMatchObject({ code: 'E_CACHE_INVALID_KEY' })
    expect(await read()).toBe(1)
    expect(db.loads()).toBe(1)
    await expect(applyEvent(cache, eventFor(2), { key: [] })).rejects.toMatchObject({
      code: 'E_CACHE_INVALID_OPTION',
      context: { option: 'key' },
    })
    const tags = 'category:lamps' as unknown as string[]
    await expect(applyEvent(cache, eventFor(2), { key: KEY, tags })).rejects.toMatchObject({
      code: 'E_CACHE_INVALID_OPTION',
      context: { option: 'tags' },
    })
    expect(await read()).toBe(1)
    await cache.close()
  })

  test('works on anything with applyChange() and invalidateTags()', async () => {
    const calls: unknown[] = []
    const fake: Pick<ReadThroughCache, 'applyChange' | 'invalidateTags'> = {
      applyChange: (change) => {
        calls.push(change)
        return Promise.resolve({ applied: true, watermark: { version: change.version } })
      },
      invalidateTags: (tags) => {
        calls.push(tags)
        return Promise.resolve()
      },
    }
    await applyEvent(fake, eventFor(3), { key: KEY, tags: ['t'] })
    expect(calls).toStrictEqual([{ key: KEY, version: 3, lsn: '1/300' }, ['t']])
  })
})
