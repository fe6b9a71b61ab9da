import { describe, expect, test } from 'vitest'
import {
  createCache,
  createMemoryBusHub,
  createMemoryCacheStore,
  type InvalidationBus,
} from '@faultline/cache-kit'

/** Wraps a bus: while `stalled`, publish never settles (a paused Redis answers nothing). */
function stallableBus(inner: InvalidationBus) {
  const control = { stalled: false, published: 0 }
  const bus: InvalidationBus = {
    publish: (message) => {
      if (control.stalled) return new Promise<void>(() => {})
      control.published += 1
      return inner.publish(message)
    },
    subscribe: (handlers) => inner.subscribe(handlers),
    get state() {
      return inner.state
    },
    close: () => inner.close(),
  }
  return { bus, control }
}

describe('Invalidator', () => {
  test('applyChange() rejects retryably after busTimeoutMs when the bus does not take the message, and the retry reaches other nodes', async () => {
    const store = createMemoryCacheStore()
    const hub = createMemoryBusHub()
    const { bus, control } = stallableBus(hub.createBus())
    const nodeA = createCache({ store, bus, busTimeoutMs: 50 })
    const nodeB = createCache({ store, bus: hub.createBus(), l1: {} })
    await Promise.all([nodeA.ready(), nodeB.ready()])
    let version = 1
    const load = () => ({ version })
    await nodeB.getOrLoad('k', load)
    expect((await nodeB.getOrLoad('k', load))?.version).toBe(1)
    expect(nodeB.stats().l1Hits).toBe(1)

    version = 2
    control.stalled = true
    const started = performance.now()
    await expect(nodeA.applyChange({ key: 'k', version: 2 })).rejects.toMatchObject({
      code: 'E_CACHE_BUS_UNAVAILABLE',
      retryable: true,
    })
    // It settled at all: the stalled publish never does, so without the bound this call would hang.
    // And not before the bus timeout could fire (a lower bound, which load cannot break).
    expect(performance.now() - started).toBeGreaterThanOrEqual(45)
    expect((await nodeB.getOrLoad('k', load))?.version).toBe(1) // B's L1 has not heard of v2 yet

    // The caller retries the same change. L2 already has it, but the bus must still carry it.
    control.stalled = false
    expect(await nodeA.applyChange({ key: 'k', version: 2 })).toMatchObject({ applied: false })
    expect(control.published).toBe(1)
    await new Promise((resolve) => setImmediate(resolve)) // the memory bus delivers in a microtask
    expect((await nodeB.getOrLoad('k', load))?.version).toBe(2)

    // An older change replayed later is not the latest: nothing to publish.
    expect(await nodeA.applyChange({ key: 'k', version: 1 })).toMatchObject({ applied: false })
    expect(control.published).toBe(1)
  }, 5_000)

  test('invalidate() and invalidateTags() are bounded by busTimeoutMs too', async () => {
    const { bus, control } = stallableBus(createMemoryBusHub().createBus())
    const cache = createCache({ store: createMemoryCacheStore(), bus, busTimeoutMs: 30 })
    await cache.ready()
    control.stalled = true
    await expect(cache.invalidate('k')).rejects.toMatchObject({ code: 'E_CACHE_BUS_UNAVAILABLE' })
    await expect(cache.invalidateTags(['t'])).rejects.toMatchObject({
      code: 'E_CACHE_BUS_UNAVAILABLE',
    })
  }, 5_000)
})
