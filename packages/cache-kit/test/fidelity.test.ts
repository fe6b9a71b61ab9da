import { describe, expect, test } from 'vitest'
import { createCache, createMemoryCacheStore, type Serializer } from '@faultline/cache-kit'
import { assertRoundTrip } from './fixtures/fidelity.js'

describe('ReadThroughCache round-trip fidelity on the memory store', () => {
  test('L1, L2 and a fresh load return identical Dates, BigInts, nested objects, null and not-found', async () => {
    const store = createMemoryCacheStore()
    const options = { store, negativeTtlMs: 60_000 }
    await assertRoundTrip(createCache({ ...options, l1: {} }), createCache(options), 'fidelity')
  })

  test('the same check fails with a plain JSON serializer (Dates come back as strings)', async () => {
    const plain: Serializer = {
      serialize: (value) =>
        JSON.stringify(value, (_k, item: unknown) =>
          typeof item === 'bigint' ? item.toString() : item,
        ),
      deserialize: (text) => JSON.parse(text) as unknown,
    }
    const options = { store: createMemoryCacheStore(), negativeTtlMs: 60_000, serializer: plain }
    await expect(
      assertRoundTrip(createCache({ ...options, l1: {} }), createCache(options), 'plain'),
    ).rejects.toThrow(/rich/)
  })
})
