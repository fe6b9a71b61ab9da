import { describe, expect, test } from 'vitest'
import { createCache, createMemoryCacheStore, parseLsn } from '@faultline/cache-kit'

const read = { tags: [], now: Date.now(), ticketTtlMs: 60_000 }

/**
 * One rule at every entry point (see packages/common/README.md): an LSN goes in as text (any case)
 * or as a BigInt, and comes out as canonical upper-case text.
 */
describe('LSNs in and out', () => {
  test('applyChange() takes a BigInt or lower-case text, and returns canonical text', async () => {
    const store = createMemoryCacheStore()
    const cache = createCache({ store })
    const fromBigInt = await cache.applyChange({ key: 'a', version: 1, lsn: parseLsn('1F/A0') })
    expect(fromBigInt.watermark).toStrictEqual({ version: 1, lsn: '1F/A0' })
    const fromText = await cache.applyChange({ key: 'b', version: 1, lsn: '1f/00000a0' })
    expect(fromText.watermark).toStrictEqual({ version: 1, lsn: '1F/A0' })
    // The same LSN in the other form is a replay, not a newer change.
    expect((await cache.applyChange({ key: 'a', version: 1, lsn: '1f/a0' })).applied).toBe(false)
  })

  test('invalidate() and a loader report() take a BigInt too; the store holds canonical text', async () => {
    const store = createMemoryCacheStore()
    const cache = createCache({ store })
    await cache.invalidate('k', { lsn: 0x10_0000_0010n })
    expect((await store.read('k', read)).watermark).toStrictEqual({ lsn: '10/10' })
    await cache.getOrLoad('k', (ctx) => {
      expect(ctx.watermark).toStrictEqual({ lsn: '10/10' })
      ctx.report({ lsn: 0x10_0000_0020n })
      return 'v'
    })
    expect((await store.peek('k'))?.lsn).toBe('10/20')
  })

  test('LSNs order as numbers across a 4 GiB boundary, not as text', async () => {
    const store = createMemoryCacheStore()
    const cache = createCache({ store })
    await cache.applyChange({ key: 'k', version: 1, lsn: 'F/FFFFFFF0' })
    // '10/0' < 'F/FFFFFFF0' as text, yet it is the later LSN: the change applies.
    expect(await cache.applyChange({ key: 'k', version: 2, lsn: '10/0' })).toStrictEqual({
      applied: true,
      watermark: { version: 2, lsn: '10/0' },
    })
  })
})
