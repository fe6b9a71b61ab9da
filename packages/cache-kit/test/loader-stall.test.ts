import { describe, expect, test } from 'vitest'
import { createCache, createMemoryCacheStore } from '@faultline/cache-kit'
import { createManualClock } from '@faultline/cache-kit/testing'

const HARD_TIMEOUT_MS = 20

/** Blocks the event loop past the hard timeout: the timer that should end the load cannot run. */
function stall(): void {
  const until = performance.now() + 2 * HARD_TIMEOUT_MS
  while (performance.now() < until);
}

function setup() {
  const clock = createManualClock()
  const store = createMemoryCacheStore({ clock })
  const cache = createCache({
    store,
    clock,
    l1: {},
    hardTimeoutMs: HARD_TIMEOUT_MS,
    tombstoneTtlMs: 1_000,
  })
  return { store, cache }
}

describe('ReadThroughCache with a loader that stalls the event loop', () => {
  test('getOrLoad() treats a load that returned after hardTimeoutMs as timed out and caches nothing', async () => {
    const { store, cache } = setup()
    let aborted = false
    const loader = (ctx: { signal: AbortSignal }) => {
      ctx.signal.addEventListener('abort', () => (aborted = true))
      stall()
      return 'v1'
    }
    await expect(cache.getOrLoad('k', loader)).rejects.toMatchObject({
      code: 'E_CACHE_LOADER_TIMEOUT',
      retryable: true,
    })
    expect(aborted).toBe(true)
    expect(await store.peek('k')).toBeUndefined()
    expect(cache.stats()).toMatchObject({ fills: 0, l1Size: 0 })
  })

  test('getManyOrLoad() does the same for a batch loader', async () => {
    const { store, cache } = setup()
    const loader = () => (stall(), Promise.resolve({ a: 1, b: 2 }))
    await expect(cache.getManyOrLoad(['a', 'b'], loader)).rejects.toMatchObject({
      code: 'E_CACHE_LOADER_TIMEOUT',
    })
    expect(await store.peek('a')).toBeUndefined()
    expect(await store.peek('b')).toBeUndefined()
  })
})
