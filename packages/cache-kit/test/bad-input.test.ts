import { describe, expect, test } from 'vitest'
import {
  createCache,
  createMemoryCacheStore,
  isCacheKitError,
  type CacheKitErrorCode,
} from '@faultline/cache-kit'

async function codeOf(
  work: () => Promise<unknown>,
): Promise<CacheKitErrorCode | `not ${string}` | 'no error'> {
  try {
    await work()
    return 'no error'
  } catch (error) {
    return isCacheKitError(error) ? error.code : (`not a CacheKitError: ${String(error)}` as const)
  }
}

function setup() {
  const store = createMemoryCacheStore()
  const cache = createCache({ store, l1: {} })
  let loads = 0
  const loader = () => ((loads += 1), { ok: true })
  const peek = async (key: string) =>
    (await store.read(key, { tags: [], now: Date.now(), ticketTtlMs: 60_000 })).entry
  return { store, cache, loader, peek, loads: () => loads }
}

describe('ReadThroughCache bad input', () => {
  test.each([
    ['an empty key', ''],
    ['a key over the length limit', 'k'.repeat(1_025)],
    ['a non-string key', 42 as unknown as string],
  ])('%s is refused with E_CACHE_INVALID_KEY before the loader runs', async (_name, key) => {
    const { cache, loader, loads } = setup()
    expect(await codeOf(() => cache.getOrLoad(key, loader))).toBe('E_CACHE_INVALID_KEY')
    expect(await codeOf(() => cache.invalidate(key))).toBe('E_CACHE_INVALID_KEY')
    expect(
      await codeOf(() => cache.getManyOrLoad(['ok', key], async () => Promise.resolve({}))),
    ).toBe('E_CACHE_INVALID_KEY')
    expect(loads()).toBe(0)
  })

  test.each([
    ['a function', { run: () => 1 }],
    ['a Map', new Map()],
    [
      'a cycle',
      (() => {
        const cyclic: Record<string, unknown> = {}
        cyclic.self = cyclic
        return cyclic
      })(),
    ],
  ])(
    'a value with %s is refused with E_CACHE_UNSERIALIZABLE and nothing is written',
    async (_name, value) => {
      const { cache, store, peek } = setup()
      expect(await codeOf(() => cache.getOrLoad('bad', () => value))).toBe('E_CACHE_UNSERIALIZABLE')
      expect(await peek('bad')).toBeUndefined()
      expect(cache.stats().l1Size).toBe(0)
      // The lease was released: the next reader gets it at once.
      expect(
        (
          await store.read('bad', {
            tags: [],
            now: Date.now(),
            leaseOwner: 'x',
            ticketTtlMs: 60_000,
          })
        ).lease,
      ).toBe('acquired')
    },
  )

  test('a batch with one unserializable value writes nothing at all', async () => {
    const { cache, peek } = setup()
    const code = await codeOf(() =>
      cache.getManyOrLoad(['a', 'b'], async () => Promise.resolve({ a: 1, b: () => 2 })),
    )
    expect(code).toBe('E_CACHE_UNSERIALIZABLE')
    expect(await peek('a')).toBeUndefined()
  })

  test.each([
    ['a string', 'boom'],
    ['a plain object', { reason: 'boom' }],
    ['undefined', undefined],
    ['a number', 7],
  ])(
    'a loader throwing %s becomes E_CACHE_LOADER_FAILED with the thrown value as cause',
    async (_name, thrown) => {
      const { cache, peek } = setup()
      const error: unknown = await cache
        .getOrLoad('k', () => {
          // Loaders in the wild throw non-Error values; that is the case under test.
          // eslint-disable-next-line @typescript-eslint/only-throw-error
          throw thrown
        })
        .catch((thrown: unknown) => thrown)
      expect(isCacheKitError(error) && error.code).toBe('E_CACHE_LOADER_FAILED')
      expect((error as Error).cause).toBe(thrown)
      expect((error as Error).message).toMatch(/Loader for "k" failed/)
      expect(await peek('k')).toBeUndefined()
    },
  )

  test.each([
    ['ttlMs', { ttlMs: -1 }],
    ['ttlMs', { ttlMs: 1.5 }],
    ['graceMs', { graceMs: -5 }],
    ['hardTimeoutMs', { hardTimeoutMs: 0 }],
    ['softTimeoutMs', { softTimeoutMs: 20_000 }],
    ['eagerRefresh', { eagerRefresh: 0 }],
    ['eagerRefresh', { eagerRefresh: 1 }],
    ['jitter', { jitter: 1 }],
    ['jitter', { jitter: Number.NaN }],
    ['negativeTtlMs', { negativeTtlMs: -1 }],
    ['tags', { tags: [''] }],
  ])(
    'out-of-range %s is refused with E_CACHE_INVALID_OPTION per call and at construction',
    async (option, bad) => {
      const { cache, loader, loads } = setup()
      const error: unknown = await cache
        .getOrLoad('k', loader, bad)
        .catch((thrown: unknown) => thrown)
      expect(isCacheKitError(error) && error.code).toBe('E_CACHE_INVALID_OPTION')
      expect(isCacheKitError(error) && error.context.option).toBe(option)
      expect(() => createCache({ store: createMemoryCacheStore(), ...bad })).toThrow(
        expect.objectContaining({ code: 'E_CACHE_INVALID_OPTION' }),
      )
      expect(loads()).toBe(0)
    },
  )

  test('construction refuses a missing store, a tombstone TTL too short for the loader timeout, and a bad L1 size', () => {
    const code = (fn: () => unknown) => {
      try {
        fn()
        return 'no error'
      } catch (error) {
        return isCacheKitError(error) ? error.code : 'other'
      }
    }
    expect(code(() => createCache({} as never))).toBe('E_CACHE_INVALID_OPTION')
    expect(
      code(() =>
        createCache({
          store: createMemoryCacheStore(),
          hardTimeoutMs: 10_000,
          tombstoneTtlMs: 15_000,
        }),
      ),
    ).toBe('E_CACHE_INVALID_OPTION')
    expect(
      code(() => createCache({ store: createMemoryCacheStore(), l1: { maxEntries: 0 } })),
    ).toBe('E_CACHE_INVALID_OPTION')
  })

  test('applyChange() refuses a bad version or LSN and leaves the watermark alone', async () => {
    const { cache, store } = setup()
    await cache.applyChange({ key: 'k', version: 3, lsn: '0/10' })
    expect(await codeOf(() => cache.applyChange({ key: 'k', version: -1 }))).toBe(
      'E_CACHE_INVALID_CHANGE',
    )
    expect(
      await codeOf(() => cache.applyChange({ key: 'k', version: '9' as unknown as number })),
    ).toBe('E_CACHE_INVALID_CHANGE')
    expect(await codeOf(() => cache.applyChange({ key: 'k', version: 9, lsn: 'not-an-lsn' }))).toBe(
      'E_CACHE_INVALID_LSN',
    )
    expect(await codeOf(() => cache.applyChange({ key: 'k', version: 9, lsn: -1n }))).toBe(
      'E_CACHE_INVALID_LSN',
    )
    expect(await codeOf(() => cache.invalidate('k', { lsn: '1/2/3' }))).toBe('E_CACHE_INVALID_LSN')
    expect(
      await codeOf(() => cache.getOrLoad('k', (ctx) => (ctx.report({ version: 1.5 }), 1))),
    ).toBe('E_CACHE_INVALID_CHANGE')
    expect(await codeOf(() => cache.getOrLoad('k', (ctx) => (ctx.report({ lsn: 'x' }), 1)))).toBe(
      'E_CACHE_INVALID_LSN',
    )
    expect(
      (await store.read('k', { tags: [], now: Date.now(), ticketTtlMs: 60_000 })).watermark,
    ).toStrictEqual({
      version: 3,
      lsn: '0/10',
    })
  })

  test('a closed cache refuses calls with E_CACHE_CLOSED', async () => {
    const { cache, loader } = setup()
    await cache.close()
    expect(await codeOf(() => cache.getOrLoad('k', loader))).toBe('E_CACHE_CLOSED')
  })
})
