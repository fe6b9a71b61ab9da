import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { CacheStore, StoredEntry } from '@faultline/cache-kit'

/** A store under test and how to dispose of it. */
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

/** The CacheStore contract: every adapter must pass it. */
export function cacheStoreContract(name: string, make: () => Promise<StoreFixture>): void {
  describe(`CacheStore contract: ${name}`, () => {
    let f: StoreFixture
    beforeAll(async () => {
      f = await make()
    })
    afterAll(async () => {
      await f.close()
    })
    const read = (key: string, tags: string[] = [], leaseOwner?: string, ticketTtlMs = 60_000) =>
      f.store.read(key, { tags, now: f.now(), leaseOwner, leaseTtlMs: 5_000, ticketTtlMs })

    test('read() of an unknown key returns no entry and an empty watermark', async () => {
      const r = await read(uniqueKey('unknown'))
      expect(r.entry).toBeUndefined()
      expect(r.watermark).toStrictEqual({})
      expect(r.lease).toBe('none')
    })

    test('fill() with a current ticket stores the entry exactly', async () => {
      const key = uniqueKey('fill')
      const e = entry(f.now(), { version: 3, lsn: '0/16B3748', tags: [] })
      expect(await f.store.fill((await read(key)).ticket, e, { ttlMs: 60_000 })).toStrictEqual({
        ok: true,
      })
      expect((await read(key)).entry).toStrictEqual(e)
    })

    test('a negative entry (payload null) round-trips', async () => {
      const key = uniqueKey('negative')
      const e = entry(f.now(), { payload: null })
      await f.store.fill((await read(key)).ticket, e, { ttlMs: 60_000 })
      expect((await read(key)).entry).toStrictEqual(e)
    })

    test('peek() returns exactly what read() returns, for awkward payloads and tags too', async () => {
      const now = f.now()
      const cases = [
        entry(now, { version: 9, lsn: '0/16B3748', tags: ['a|b', 'line\nbreak', 'ü'] }),
        entry(now, { payload: 'x|y\n{"z":"|\n"}\n', refreshAt: now + 1, graceUntil: now + 90_000 }),
        entry(now, { payload: '' }),
        entry(now, { payload: null }),
      ]
      for (const e of cases) {
        const key = uniqueKey('peek')
        expect(await f.store.peek(key)).toBeUndefined()
        await f.store.fill((await read(key, [...e.tags])).ticket, e, { ttlMs: 60_000 })
        expect(await f.store.peek(key)).toStrictEqual(e)
        expect((await read(key, [...e.tags])).entry).toStrictEqual(e)
      }
    })

    test('peek() sees no entry once invalidate() or invalidateTags() voided it', async () => {
      const tag = uniqueKey('peek-tag')
      const k1 = uniqueKey('peek-inv')
      const k2 = uniqueKey('peek-tags')
      for (const [k, tags] of [
        [k1, []],
        [k2, [tag]],
      ] as const) {
        const e = entry(f.now(), { version: 1, tags })
        await f.store.fill((await read(k, [...tags])).ticket, e, { ttlMs: 60_000 })
        expect((await f.store.peek(k))?.version).toBe(1)
      }
      // The hit path reads nothing but the entry, so invalidation must remove the entry itself.
      await f.store.invalidate(k1, force)
      expect(await f.store.peek(k1)).toBeUndefined()
      expect((await f.store.peek(k2))?.version).toBe(1)
      await f.store.invalidateTags([tag], 60_000)
      expect(await f.store.peek(k2)).toBeUndefined()
    })

    test('fill() is refused after invalidate() voided its ticket (no stale set)', async () => {
      const key = uniqueKey('stale-set')
      const { ticket } = await read(key)
      await f.store.invalidate(key, force)
      expect(await f.store.fill(ticket, entry(f.now()), { ttlMs: 60_000 })).toStrictEqual({
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
      await f.store.invalidate(k1, { mode: 'force', tombstoneTtlMs: ttl })
      await f.store.invalidateTags([tag], ttl)
      await f.elapse(ttl + 50)
      // Both tombstones have expired, so the generations read '' again, as when t1 and t2 were read.
      const late = { ttlMs: 60_000 }
      expect(await f.store.fill(t1, entry(f.now()), late)).toStrictEqual({
        ok: false,
        reason: 'ticket-expired',
      })
      expect(await f.store.fill(t2, entry(f.now(), { tags: [tag] }), late)).toStrictEqual({
        ok: false,
        reason: 'ticket-expired',
      })
      expect(await f.store.peek(k1)).toBeUndefined()
      expect(await f.store.peek(k2)).toBeUndefined()
      // A ticket read now proves the fill safe again.
      expect(await f.store.fill((await read(k1)).ticket, entry(f.now()), late)).toStrictEqual({
        ok: true,
      })
    })

    test('fill() behind the version or LSN watermark is refused', async () => {
      const key = uniqueKey('behind')
      await f.store.invalidate(key, { ...force, version: 5, lsn: '1/0' })
      const { ticket, watermark } = await read(key)
      expect(watermark).toStrictEqual({ version: 5, lsn: '1/0' })
      expect(
        await f.store.fill(ticket, entry(f.now(), { version: 4 }), { ttlMs: 60_000 }),
      ).toMatchObject({ reason: 'version-behind' })
      // '0/FFFFFFFF' sorts after '1/0' as text; the store must compare numerically.
      expect(
        await f.store.fill(ticket, entry(f.now(), { lsn: '0/FFFFFFFF' }), { ttlMs: 60_000 }),
      ).toMatchObject({ reason: 'lsn-behind' })
      expect(
        await f.store.fill(ticket, entry(f.now(), { version: 5, lsn: '1/0' }), { ttlMs: 60_000 }),
      ).toStrictEqual({ ok: true })
    })

    test('fill() never replaces a newer version', async () => {
      const key = uniqueKey('monotonic')
      await f.store.fill((await read(key)).ticket, entry(f.now(), { version: 7 }), {
        ttlMs: 60_000,
      })
      const r = await f.store.fill((await read(key)).ticket, entry(f.now(), { version: 6 }), {
        ttlMs: 60_000,
      })
      expect(r).toStrictEqual({ ok: false, reason: 'older-than-cached' })
      expect((await read(key)).entry?.version).toBe(7)
    })

    test('applyChange-style invalidate() is idempotent and never lowers the watermark', async () => {
      const key = uniqueKey('change')
      expect(await f.store.invalidate(key, change(3, '0/10'))).toStrictEqual({
        applied: true,
        watermark: { version: 3, lsn: '0/10' },
      })
      expect((await f.store.invalidate(key, change(3, '0/10'))).applied).toBe(false)
      expect((await f.store.invalidate(key, change(2, '0/5'))).applied).toBe(false)
      expect((await read(key)).watermark).toStrictEqual({ version: 3, lsn: '0/10' })
    })

    test('a change keeps an entry that is already at least as new, and drops an older one', async () => {
      const key = uniqueKey('keep')
      await f.store.fill((await read(key)).ticket, entry(f.now(), { version: 4 }), {
        ttlMs: 60_000,
      })
      await f.store.invalidate(key, change(4))
      expect((await read(key)).entry?.version).toBe(4)
      await f.store.invalidate(key, change(5))
      expect((await read(key)).entry).toBeUndefined()
    })

    test('only one reader gets the lease; invalidate() voids it; release frees it', async () => {
      const key = uniqueKey('lease')
      expect((await read(key, [], 'a')).lease).toBe('acquired')
      expect((await read(key, [], 'b')).lease).toBe('held')
      await f.store.releaseLease(key, 'b') // not the holder: no effect
      expect((await read(key, [], 'c')).lease).toBe('held')
      await f.store.invalidate(key, force)
      expect((await read(key, [], 'd')).lease).toBe('acquired')
      await f.store.releaseLease(key, 'd')
      expect((await read(key, [], 'e')).lease).toBe('acquired')
    })

    test('fill() releases the filler lease and a fresh entry is never leased', async () => {
      const key = uniqueKey('lease-fill')
      const r = await read(key, [], 'a')
      await f.store.fill(r.ticket, entry(f.now()), { ttlMs: 60_000, leaseOwner: 'a' })
      expect((await read(key, [], 'b')).lease).toBe('none')
    })

    test('invalidateTags() drops tagged entries and voids tickets that name the tag', async () => {
      const tag = uniqueKey('tag')
      const k1 = uniqueKey('t1')
      const k2 = uniqueKey('t2')
      await f.store.fill((await read(k1, [tag])).ticket, entry(f.now(), { tags: [tag] }), {
        ttlMs: 60_000,
      })
      const pending = (await read(k2, [tag])).ticket
      expect(await f.store.invalidateTags([tag], 60_000)).toStrictEqual([k1])
      expect((await read(k1, [tag])).entry).toBeUndefined()
      expect(
        await f.store.fill(pending, entry(f.now(), { tags: [tag] }), { ttlMs: 60_000 }),
      ).toMatchObject({ reason: 'invalidated' })
    })
  })
}
