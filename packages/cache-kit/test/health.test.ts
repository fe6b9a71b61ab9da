import { describe, expect, test, vi } from 'vitest'
import {
  CounterRegistry,
  createCache,
  createMemoryBusHub,
  createMemoryCacheStore,
  isCacheKitError,
  type InvalidationBus,
} from '@faultline/cache-kit'
import { flakyStore } from './fixtures/flaky-store.js'
import { linesAt, recordingLogger } from './fixtures/recording-logger.js'

const ENDPOINT = 'redis.internal:6390'

describe('ReadThroughCache health and readiness', () => {
  test('ready() resolves and health() is ready once the store answers and the bus is up', async () => {
    const bus = createMemoryBusHub().createBus()
    const cache = createCache({ store: createMemoryCacheStore(), bus })
    await cache.ready()
    expect(cache.health()).toMatchObject({
      ready: true,
      store: { state: 'up' },
      bus: { state: 'up' },
    })
    await cache.close()
  })

  test('an unreachable store: ready() rejects naming it, one warning, health and gauge show it, reads still answer', async () => {
    const { store, control } = flakyStore(ENDPOINT)
    control.down = true
    const { logger, lines } = recordingLogger()
    const metrics = new CounterRegistry()
    const cache = createCache({ store, logger, metrics, readyTimeoutMs: 300, storeRetryAfterMs: 0 })
    const error: unknown = await cache.ready().catch((thrown: unknown) => thrown)
    expect(isCacheKitError(error) && error.code).toBe('E_CACHE_STORE_UNAVAILABLE')
    expect(isCacheKitError(error) && error.retryable).toBe(true)
    expect((error as Error).message).toContain(ENDPOINT)
    expect(isCacheKitError(error) && error.context.endpoint).toBe(ENDPOINT)
    for (let read = 0; read < 20; read += 1)
      expect(await cache.getOrLoad(`k${read}`, () => read)).toBe(read)

    const warnings = linesAt(lines, 'warn')
    expect(warnings).toHaveLength(1) // one per change of state, not one per failed call
    const [fields, message] = warnings[0]!
    expect(fields).toMatchObject({ backend: 'store', endpoint: ENDPOINT })
    expect(message).toContain(ENDPOINT)
    expect(cache.health()).toMatchObject({
      ready: false,
      store: { state: 'down', endpoint: ENDPOINT, error: { code: 'E_CACHE_STORE_UNAVAILABLE' } },
      bus: undefined,
    })
    expect(metrics.has('cache_store_up')).toBe(true)
    expect(metrics.value('cache_store_up')).toBe(0)

    control.down = false
    await cache.ready()
    expect(cache.health()).toMatchObject({ ready: true, store: { state: 'up' } })
    expect(metrics.value('cache_store_up')).toBe(1)
    expect(linesAt(lines, 'info').map(([, text]) => text)).toStrictEqual([
      `cache-kit: the store at ${ENDPOINT} answers again`,
    ])
    await cache.close()
  })

  test('the store is probed at construction, so a wrong endpoint is logged before the first read', async () => {
    const { store, control } = flakyStore(ENDPOINT)
    control.down = true
    const { logger, lines } = recordingLogger()
    const cache = createCache({ store, logger })
    await vi.waitFor(() => expect(linesAt(lines, 'warn')).toHaveLength(1), { timeout: 30_000 })
    expect(control.calls).toBe(1)
    await cache.close()
  })

  test('a bus that never subscribes: ready() rejects naming it, and a warning names its endpoint', async () => {
    const bus: InvalidationBus = {
      endpoint: 'bus.internal:6390',
      state: 'down',
      publish: () => Promise.resolve(),
      subscribe: () => Promise.reject(new Error('connect ECONNREFUSED')),
      close: () => Promise.resolve(),
    }
    const { logger, lines } = recordingLogger()
    const cache = createCache({ store: createMemoryCacheStore(), bus, logger, readyTimeoutMs: 200 })
    const error: unknown = await cache.ready().catch((thrown: unknown) => thrown)
    expect(isCacheKitError(error) && error.code).toBe('E_CACHE_BUS_UNAVAILABLE')
    expect((error as Error).message).toContain('bus.internal:6390')
    const [fields] = linesAt(lines, 'warn')[0]!
    expect(fields).toMatchObject({ backend: 'bus', endpoint: 'bus.internal:6390' })
    expect(cache.health()).toMatchObject({ ready: false, bus: { state: 'down' } })
    await cache.close()
  })

  test('a bus that drops and comes back is reported down, then up, through the logger and the gauge', async () => {
    const hub = createMemoryBusHub()
    const bus = hub.createBus()
    const { logger, lines } = recordingLogger()
    const metrics = new CounterRegistry()
    const cache = createCache({ store: createMemoryCacheStore(), bus, logger, metrics })
    await cache.ready()
    expect(metrics.value('cache_bus_up')).toBe(1)
    bus.disconnect()
    expect(cache.health().bus?.state).toBe('down')
    expect(metrics.value('cache_bus_up')).toBe(0)
    bus.reconnect()
    expect(cache.health()).toMatchObject({ ready: true, bus: { state: 'up' } })
    expect(metrics.value('cache_bus_up')).toBe(1)
    expect(lines.map((line) => line.level)).toStrictEqual(['warn', 'info'])
    await cache.close()
  })

  test('ready() on a closed cache rejects with E_CACHE_CLOSED', async () => {
    const cache = createCache({ store: createMemoryCacheStore() })
    await cache.close()
    await expect(cache.ready()).rejects.toMatchObject({ code: 'E_CACHE_CLOSED' })
  })
})
