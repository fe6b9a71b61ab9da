import { createServer } from 'node:net'
import { describe, expect, test } from 'vitest'
import { CounterRegistry, createCache, isCacheKitError } from '@faultline/cache-kit'
import { createRedisBus, createRedisStore } from '@faultline/cache-kit/redis'
import { linesAt, recordingLogger } from './fixtures/recording-logger.js'

/** A loopback port nothing listens on: taken from the OS, then released. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

describe('a cache whose Redis URL points at nothing', () => {
  test('is not silent: ready() rejects, warnings and health() name the endpoint, gauges are 0; reads still answer and close() is clean', async () => {
    const port = await closedPort()
    const endpoint = `127.0.0.1:${port}`
    const url = `redis://cache-user:s3cret@127.0.0.1:${port}`
    // Reconnect attempts every 20 ms, so one that went on after close() would show at once.
    const store = createRedisStore({ url, redisOptions: { retryStrategy: () => 20 } })
    const bus = createRedisBus({ url, heartbeatIntervalMs: 100, heartbeatTimeoutMs: 100 })
    const { logger, lines } = recordingLogger()
    const metrics = new CounterRegistry()
    const cache = createCache({ store, bus, logger, metrics, readyTimeoutMs: 1_000 })

    const notReady: unknown = await cache.ready().catch((thrown: unknown) => thrown)
    expect(isCacheKitError(notReady) && notReady.code).toBe('E_CACHE_STORE_UNAVAILABLE')
    expect((notReady as Error).message).toContain(endpoint)

    const warned = linesAt(lines, 'warn').map(([fields]) => fields)
    expect(warned).toContainEqual(expect.objectContaining({ backend: 'store', endpoint }))
    expect(warned).toContainEqual(expect.objectContaining({ backend: 'bus', endpoint }))
    expect(cache.health()).toMatchObject({
      ready: false,
      store: { state: 'down', endpoint },
      bus: { state: 'down', endpoint },
    })
    expect(metrics.value('cache_store_up')).toBe(0)
    expect(metrics.has('cache_store_up')).toBe(true)

    // Reads fall back to the loader; writes are refused, retryably, naming the endpoint.
    expect(await cache.getOrLoad('product:1', () => ({ id: 1 }))).toStrictEqual({ id: 1 })
    const refused: unknown = await cache
      .applyChange({ key: 'product:1', version: 2 })
      .catch((thrown: unknown) => thrown)
    expect(isCacheKitError(refused) && refused.code).toBe('E_CACHE_STORE_UNAVAILABLE')
    expect(isCacheKitError(refused) && refused.retryable).toBe(true)
    expect((refused as Error).message).toContain(endpoint)

    // No credential reaches a message or a log line.
    const everything = JSON.stringify([lines, String(notReady), String(refused)])
    expect(everything).not.toContain('s3cret')

    // The clients keep reconnecting in the background; each has an 'error' listener, so none of
    // their errors is unhandled, and closing stops them.
    expect(store.client.listenerCount('error')).toBeGreaterThan(0)
    await cache.close()
    await bus.close()
    await store.close()
    let attempts = 0
    store.client.on('reconnecting', () => (attempts += 1))
    // A lower bound, 25 retry intervals: a slower machine can only hide a retry, never invent one.
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(attempts).toBe(0)
  }, 120_000)
})
