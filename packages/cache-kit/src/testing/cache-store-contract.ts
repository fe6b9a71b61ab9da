import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { CacheStore, StoredEntry } from '../ports.js'

/**
 * A store under test and how to dispose of it: what {@link cacheStoreContract}'s factory
 * returns.
 */
export interface StoreFixture {
  readonly store: CacheStore
  /** Current time as the store's clock sees it. */
  now(): number
  /** Resolves once the store's clock has moved on by at least `ms`. */
  elapse(ms: number): Promise<void>
  close(): Promise<void>
}

let seq = 0
const uniqueKey = (name: string): string =>
  `contract:${name}:${++seq}:${Math.random().toString(36).slice(2)}`

function entry(now: number, patch: Partial<StoredEntry> = {}): StoredEntry {
  return {
    payload: '"v"',
    freshUntil: now + 60_000,
    refreshAt: now + 60_000,
    graceUntil: now + 60_000,
    tags: [],
    ...patch,
  }
}

const force = { mode: 'force', tombstoneTtlMs: 60_000 } as const
const change = (version: number, lsn?: string) =>
  ({ mode: 'change', version, lsn, tombstoneTtlMs: 60_000 }) as const

/**
 * The `CacheStore` contract: the fencing, lease and watermark rules the cache relies on. Every
 * adapter must pass it. Call it at the top level of a vitest test file; `make` is called once,
 * before the suite:
 *
 * ```ts
 * cacheStoreContract('my-store', async () => {
 *   const store = createMyStore()
 *   return { store, now: () => Date.now(), elapse: (ms) => sleepOnStoreClock(ms), close: () => store.close() }
 * })
 * ```
 */
export function cacheStoreContract(name: string, make: () => Promise<StoreFixture>): void {
  describe(`CacheStore contract: ${name}`, () => {
    let fixture: StoreFixture
    beforeAll(async () => {
      fixture = await make()
    })
    afterAll(async () => {
      await fixture.close()
    })
    const read = (key: string, tags: string[] = [], leaseOwner?: string, ticketTtlMs = 60_000) =>
      fixture.store.read(key, {
        tags,
        now: fixture.now(),
        leaseOwner,
        leaseTtlMs: 5_000,
        ticketTtlMs,
      })

    test('ping(), where the adapter has one, resolves while the store answers', async () => {
      await expect(fixture.store.ping?.() ?? Promise.resolve()).resolves.toBeUndefined()
    })

    test('read() of an unknown key returns no entry and an empty watermark', async () => {
      const result = await read(uniqueKey('unknown'))
      expect(result.entry).toBeUndefined()
      expect(result.watermark).toStrictEqual({})
      expect(result.lease).toBe('none')
    })

    test('fill() with a current ticket stores the entry exactly', async () => {
      const key = uniqueKey('fill')
      const sample = entry(fixture.now(), { version: 3, lsn: '0/16B3748', tags: [] })
      expect(
        await fixture.store.fill((await read(key)).ticket, sample, { ttlMs: 60_000 }),
      ).toStrictEqual({
        ok: true,
      })
      expect((await read(key)).entry).toStrictEqual(sample)
    })

    test('a negative entry (payload null) round-trips', async () => {
      const key = uniqueKey('negative')
      const sample = entry(fixture.now(), { payload: null })
      await fixture.store.fill((await read(key)).ticket, sample, { ttlMs: 60_000 })
      expect((await read(key)).entry).toStrictEqual(sample)
    })

    test('peek() returns exactly what read() returns, for awkward payloads and tags too', async () => {
      const now = fixture.now()
      const cases = [
        entry(now, { version: 9, lsn: '0/16B3748', tags: ['a|b', 'line\nbreak', 'ü'] }),
        entry(now, { payload: 'x|y\n{"z":"|\n"}\n', refreshAt: now + 1, graceUntil: now + 90_000 }),
        entry(now, { payload: '' }),
        entry(now, { payload: null }),
      ]
      for (const sample of cases) {
        const key = uniqueKey('peek')
        expect(await fixture.store.peek(key)).toBeUndefined()
        await fixture.store.fill((await read(key, [...sample.tags])).ticket, sample, {
          ttlMs: 60_000,
        })
        expect(await fixture.store.peek(key)).toStrictEqual(sample)
        expect((await read(key, [...sample.tags])).entry).toStrictEqual(sample)
      }
    })

    test('peek() sees no entry once invalidate() or invalidateTags() voided it', async () => {
      const tag = uniqueKey('peek-tag')
      const k1 = uniqueKey('peek-inv')
      const k2 = uniqueKey('peek-tags')
      for (const [key, tags] of [
        [k1, []],
        [k2, [tag]],
      ] as const) {
        const sample = entry(fixture.now(), { version: 1, tags })
        await fixture.store.fill((await read(key, [...tags])).ticket, sample, { ttlMs: 60_000 })
        expect((await fixture.store.peek(key))?.version).toBe(1)
      }
      // The hit path reads nothing but the entry, so invalidation must remove the entry itself.
      await fixture.store.invalidate(k1, force)
      expect(await fixture.store.peek(k1)).toBeUndefined()
      expect((await fixture.store.peek(k2))?.version).toBe(1)
      await fixture.store.invalidateTags([tag], 60_000)
      expect(await fixture.store.peek(k2)).toBeUndefined()
    })

    test('fill() is refused after invalidate() voided its ticket (no stale set)', async () => {
      const key = uniqueKey('stale-set')
      const { ticket } = await read(key)
      await fixture.store.invalidate(key, force)
      expect(
        await fixture.store.fill(ticket, entry(fixture.now()), { ttlMs: 60_000 }),
      ).toStrictEqual({
        ok: false,
        reason: 'invalidated',
      })
      expect((await read(key)).entry).toBeUndefined()
    })

    test('fill() is refused once its ticket outlived ticketTtlMs: a tombstone written after the read may be gone', async () => {
      const ttl = 200
      const tag = uniqueKey('expiring-tag')
      const k1 = uniqueKey('expiring')
      const k2 = uniqueKey('expiring-tagged')
      const t1 = (await read(k1, [], undefined, ttl)).ticket
      const t2 = (await read(k2, [tag], undefined, ttl)).ticket
      await fixture.store.invalidate(k1, { mode: 'force', tombstoneTtlMs: ttl })
      await fixture.store.invalidateTags([tag], ttl)
      await fixture.elapse(ttl + 50)
      // Both tombstones have expired, so the generations read '' again, as when t1 and t2 were read.
      const late = { ttlMs: 60_000 }
      expect(await fixture.store.fill(t1, entry(fixture.now()), late)).toStrictEqual({
        ok: false,
        reason: 'ticket-expired',
      })
      expect(
        await fixture.store.fill(t2, entry(fixture.now(), { tags: [tag] }), late),
      ).toStrictEqual({
        ok: false,
        reason: 'ticket-expired',
      })
      expect(await fixture.store.peek(k1)).toBeUndefined()
      expect(await fixture.store.peek(k2)).toBeUndefined()
      // A ticket read now proves the fill safe again.
      expect(
        await fixture.store.fill((await read(k1)).ticket, entry(fixture.now()), late),
      ).toStrictEqual({
        ok: true,
      })
    })

    test('fill() behind the version or LSN watermark is refused', async () => {
      const key = uniqueKey('behind')
      await fixture.store.invalidate(key, { ...force, version: 5, lsn: '1/0' })
      const { ticket, watermark } = await read(key)
      expect(watermark).toStrictEqual({ version: 5, lsn: '1/0' })
      expect(
        await fixture.store.fill(ticket, entry(fixture.now(), { version: 4 }), { ttlMs: 60_000 }),
      ).toMatchObject({ reason: 'version-behind' })
      // '0/FFFFFFFF' sorts after '1/0' as text; the store must compare numerically.
      expect(
        await fixture.store.fill(ticket, entry(fixture.now(), { lsn: '0/FFFFFFFF' }), {
          ttlMs: 60_000,
        }),
      ).toMatchObject({ reason: 'lsn-behind' })
      expect(
        await fixture.store.fill(ticket, entry(fixture.now(), { version: 5, lsn: '1/0' }), {
          ttlMs: 60_000,
        }),
      ).toStrictEqual({ ok: true })
    })

    test('fill() never replaces a newer version', async () => {
      const key = uniqueKey('monotonic')
      await fixture.store.fill((await read(key)).ticket, entry(fixture.now(), { version: 7 }), {
        ttlMs: 60_000,
      })
      const older = await fixture.store.fill(
        (await read(key)).ticket,
        entry(fixture.now(), { version: 6 }),
        {
          ttlMs: 60_000,
        },
      )
      expect(older).toStrictEqual({ ok: false, reason: 'older-than-cached' })
      expect((await read(key)).entry?.version).toBe(7)
    })

    test('applyChange-style invalidate() is idempotent and never lowers the watermark', async () => {
      const key = uniqueKey('change')
      expect(await fixture.store.invalidate(key, change(3, '0/10'))).toStrictEqual({
        applied: true,
        watermark: { version: 3, lsn: '0/10' },
      })
      expect((await fixture.store.invalidate(key, change(3, '0/10'))).applied).toBe(false)
      expect((await fixture.store.invalidate(key, change(2, '0/5'))).applied).toBe(false)
      expect((await read(key)).watermark).toStrictEqual({ version: 3, lsn: '0/10' })
    })

    test('a change keeps an entry that is already at least as new, and drops an older one', async () => {
      const key = uniqueKey('keep')
      await fixture.store.fill((await read(key)).ticket, entry(fixture.now(), { version: 4 }), {
        ttlMs: 60_000,
      })
      await fixture.store.invalidate(key, change(4))
      expect((await read(key)).entry?.version).toBe(4)
      await fixture.store.invalidate(key, change(5))
      expect((await read(key)).entry).toBeUndefined()
    })

    test('only one reader gets the lease; invalidate() voids it; release frees it', async () => {
      const key = uniqueKey('lease')
      expect((await read(key, [], 'a')).lease).toBe('acquired')
      expect((await read(key, [], 'b')).lease).toBe('held')
      await fixture.store.releaseLease(key, 'b') // not the holder: no effect
      expect((await read(key, [], 'c')).lease).toBe('held')
      await fixture.store.invalidate(key, force)
      expect((await read(key, [], 'd')).lease).toBe('acquired')
      await fixture.store.releaseLease(key, 'd')
      expect((await read(key, [], 'e')).lease).toBe('acquired')
    })

    test('fill() releases the filler lease and a fresh entry is never leased', async () => {
      const key = uniqueKey('lease-fill')
      const leased = await read(key, [], 'a')
      await fixture.store.fill(leased.ticket, entry(fixture.now()), {
        ttlMs: 60_000,
        leaseOwner: 'a',
      })
      expect((await read(key, [], 'b')).lease).toBe('none')
    })

    test('invalidateTags() drops tagged entries and voids tickets that name the tag', async () => {
      const tag = uniqueKey('tag')
      const k1 = uniqueKey('t1')
      const k2 = uniqueKey('t2')
      await fixture.store.fill(
        (await read(k1, [tag])).ticket,
        entry(fixture.now(), { tags: [tag] }),
        {
          ttlMs: 60_000,
        },
      )
      const pending = (await read(k2, [tag])).ticket
      expect(await fixture.store.invalidateTags([tag], 60_000)).toStrictEqual([k1])
      expect((await read(k1, [tag])).entry).toBeUndefined()
      expect(
        await fixture.store.fill(pending, entry(fixture.now(), { tags: [tag] }), { ttlMs: 60_000 }),
      ).toMatchObject({ reason: 'invalidated' })
    })
  })
}
