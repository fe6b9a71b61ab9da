import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { Redis } from 'ioredis'
import { startRedis, type RedisHandle } from '@faultline/infra'
import { createCache } from '@faultline/cache-kit'
import { createRedisBus, createRedisStore } from '@faultline/cache-kit/redis'
import { until } from './fixtures/latency.js'

let redis: RedisHandle
let admin: Redis
beforeAll(async () => {
  redis = await startRedis()
  admin = new Redis(redis.url)
})
afterAll(async () => {
  admin?.disconnect()
  await redis?.resume().catch(() => undefined)
  await redis?.stop()
})

/** Resolves with `'done'`, or `'hung'` if `work` has not settled within `ms` (a generous bound). */
async function settlesWithin(work: Promise<unknown>, ms: number): Promise<'done' | 'hung'> {
  let timer: NodeJS.Timeout | undefined
  const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), ms)))
  const outcome = await Promise.race([work.then(() => 'done' as const), hung])
  clearTimeout(timer)
  return outcome
}

/** PING calls Redis has executed since it started (INFO commandstats). */
async function pingCalls(): Promise<number> {
  const info = await admin.info('commandstats')
  return Number(/cmdstat_ping:calls=(\d+)/.exec(info)?.[1] ?? 0)
}

describe('shutdown and long stalls', () => {
  test('cache, bus and store close while Redis is paused (a paused server never answers QUIT or UNSUBSCRIBE)', async () => {
    const store = createRedisStore({ url: redis.url, prefix: 'shutdown:' })
    const bus = createRedisBus({ url: redis.url, connectionName: 'shutdown-bus' })
    const cache = createCache({ store, bus, l1: {} })
    await cache.ready()
    await cache.getOrLoad('k', () => 'v')
    await redis.pause()
    try {
      const closing = (async () => {
        await cache.close()
        await bus.close()
        await store.close()
      })()
      expect(await settlesWithin(closing, 30_000)).toBe('done')
    } finally {
      await redis.resume()
    }
  }, 120_000)

  test('while Redis stalls, the bus keeps one heartbeat ping out, not one per interval', async () => {
    // A ping is unanswered for up to heartbeatTimeoutMs; with the interval 100 times shorter, a bus
    // that pinged on every tick would queue about one ping per interval for the whole stall.
    const bus = createRedisBus({
      url: redis.url,
      connectionName: 'stall-bus',
      heartbeatIntervalMs: 10,
      heartbeatTimeoutMs: 60_000,
    })
    await bus.subscribe({ onMessage: () => undefined, onState: () => undefined })
    await until('the bus is up', () => bus.state === 'up')
    const before = await pingCalls()
    await redis.pause()
    const pausedAt = performance.now()
    // A lower bound on the stall: a slower machine only makes it longer, which the fix does not mind.
    await until('50 heartbeat intervals have passed', () => performance.now() - pausedAt > 500)
    await redis.resume()
    await until('the queued pings are answered', async () => (await pingCalls()) > before)
    // Let any further queued pings run: Redis answers them in order, before this INFO.
    const sent = (await pingCalls()) - before
    console.log(
      `heartbeat pings sent during a stall of ${(performance.now() - pausedAt).toFixed(0)} ms: ${sent}`,
    )
    expect(sent).toBeLessThanOrEqual(2)
    await bus.close()
  }, 120_000)
})
