import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { Redis } from 'ioredis'
import { startRedis, type RedisHandle } from '@faultline/infra'
import { createCache, type ReadThroughCache } from '@faultline/cache-kit'
import { createRedisBus, createRedisStore } from '@faultline/cache-kit/redis'
import { percentile } from './fixtures/latency.js'

const KEYS = 20
const PAUSE_MS = 5_000
const STORE_TIMEOUT_MS = 200
const HARD_TIMEOUT_MS = 1_000
const HEARTBEAT_MS = 200
/** Worst case for one call: one store timeout plus the loader's hard timeout, plus scheduling slack. */
const LATENCY_BOUND_MS = STORE_TIMEOUT_MS + HARD_TIMEOUT_MS + 500

let redis: RedisHandle
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => {
  await redis?.resume().catch(() => undefined)
  await redis?.stop()
})

interface Row {
  id: string
  version: number
}

function node(name: string) {
  const store = createRedisStore({ url: redis.url })
  const bus = createRedisBus({
    url: redis.url,
    heartbeatIntervalMs: HEARTBEAT_MS,
    heartbeatTimeoutMs: HEARTBEAT_MS,
    connectionName: name,
  })
  const cache = createCache({
    store,
    bus,
    l1: { maxTtlMs: 60_000 },
    ttlMs: 30_000,
    graceMs: 60_000,
    softTimeoutMs: 50,
    hardTimeoutMs: HARD_TIMEOUT_MS,
    storeTimeoutMs: STORE_TIMEOUT_MS,
    storeRetryAfterMs: 300,
  })
  return { cache, close: async () => (await cache.close(), await bus.close(), await store.close()) }
}

/** Concurrent readers over both nodes until `stop()`; records latency and errors. */
function readers(nodes: ReadThroughCache[], db: Map<string, Row>, concurrency: number) {
  const latencies: number[] = []
  const errors: unknown[] = []
  let running = true
  const load = (id: string) => async () => {
    await new Promise((r) => setTimeout(r, 5))
    return { ...db.get(id)! }
  }
  const worker = async (w: number): Promise<void> => {
    for (let i = 0; running; i += 1) {
      const id = `k${(w * 7 + i) % KEYS}`
      const started = performance.now()
      try {
        await nodes[(w + i) % nodes.length]!.getOrLoad(id, load(id))
      } catch (error) {
        errors.push(error)
      }
      latencies.push(performance.now() - started)
      await new Promise((r) => setTimeout(r, 2))
    }
  }
  const done = Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)))
  return {
    latencies,
    errors,
    stop: async () => ((running = false), await done),
  }
}

/** A change-stream consumer: retries an invalidation until L2 and the bus acknowledge it. */
async function invalidateWithRetry(
  cache: ReadThroughCache,
  key: string,
  version: number,
): Promise<void> {
  for (;;) {
    try {
      await cache.applyChange({ key, version })
      return
    } catch {
      await new Promise((r) => setTimeout(r, 100))
    }
  }
}

describe('ReadThroughCache fail-safe while Redis is paused', () => {
  test(`keeps answering with 0 errors through a ${PAUSE_MS} ms pause, and no key stays stale after resume`, async () => {
    const db = new Map<string, Row>(
      Array.from({ length: KEYS }, (_, i) => [`k${i}`, { id: `k${i}`, version: 1 }]),
    )
    const a = node('outage-a')
    const b = node('outage-b')
    await Promise.all([a.cache.ready(), b.cache.ready()])
    const load = (id: string) => () => ({ ...db.get(id)! })
    for (const id of db.keys())
      await Promise.all([a.cache.getOrLoad(id, load(id)), b.cache.getOrLoad(id, load(id))])

    // The naive contrast: a plain ioredis GET with no timeout does not answer while Redis is paused.
    const naive = new Redis(redis.url)
    await naive.ping()

    const load1 = readers([a.cache, b.cache], db, 16)
    await new Promise((r) => setTimeout(r, 300))
    await redis.pause()
    const outage = readers([a.cache, b.cache], db, 16)
    const naiveAnswered = await Promise.race([
      naive.get('k0').then(
        () => true,
        () => true,
      ),
      new Promise<boolean>((r) => setTimeout(() => r(false), 2_000)),
    ])
    // Writes during the outage: the database moves on; their invalidations cannot reach Redis yet.
    const pending: Promise<void>[] = []
    for (let i = 0; i < KEYS; i += 2) {
      const row = db.get(`k${i}`)!
      db.set(row.id, { id: row.id, version: row.version + 1 })
      pending.push(invalidateWithRetry(a.cache, row.id, row.version + 1))
    }
    await new Promise((r) => setTimeout(r, PAUSE_MS - 2_000))
    await outage.stop()
    await redis.resume()
    const resumedAt = performance.now()
    await Promise.all(pending)
    const ackedMs = performance.now() - resumedAt
    await load1.stop()

    const p99 = percentile(outage.latencies, 99)
    const over = outage.latencies.filter((ms) => ms > LATENCY_BOUND_MS).length
    console.log(
      `redis pause ${PAUSE_MS} ms: ${outage.latencies.length} reads during the outage, errors=${outage.errors.length}, ` +
        `p50=${percentile(outage.latencies, 50).toFixed(1)} ms p99=${p99.toFixed(1)} ms max=${Math.max(...outage.latencies).toFixed(1)} ms ` +
        `(bound ${LATENCY_BOUND_MS} ms, over bound: ${over}); invalidations acknowledged ${ackedMs.toFixed(0)} ms after resume; ` +
        `naive GET answered during pause: ${naiveAnswered}`,
    )
    expect(naiveAnswered).toBe(false)
    expect(outage.errors).toStrictEqual([])
    expect(load1.errors).toStrictEqual([])
    expect(over).toBe(0)

    // After the invalidations are acknowledged, wait out the bus heartbeat (the documented bound on
    // how long a node may miss that its bus was down), then every key on every node is current.
    await new Promise((r) => setTimeout(r, 2 * HEARTBEAT_MS + 100))
    const stale: string[] = []
    for (const [id, row] of db) {
      for (const [name, n] of [
        ['a', a],
        ['b', b],
      ] as const) {
        const got = await n.cache.getOrLoad(id, load(id))
        if (got?.version !== row.version)
          stale.push(`${name}:${id} v${got?.version} (db v${row.version})`)
      }
    }
    console.log(
      `after resume: stale keys=${stale.length}; node b stats ${JSON.stringify(b.cache.stats())}`,
    )
    expect(stale).toStrictEqual([])
    naive.disconnect()
    await a.close()
    await b.close()
  }, 60_000)

  test('keeps answering with 0 errors while Redis is killed and restarted empty', async () => {
    const db = new Map<string, Row>(
      Array.from({ length: KEYS }, (_, i) => [`k${i}`, { id: `k${i}`, version: 1 }]),
    )
    const a = node('kill-a')
    await a.cache.ready()
    const load = (id: string) => () => ({ ...db.get(id)! })
    for (const id of db.keys()) await a.cache.getOrLoad(id, load(id))
    const during = readers([a.cache], db, 8)
    await redis.kill()
    await new Promise((r) => setTimeout(r, 2_000))
    await redis.restart()
    await new Promise((r) => setTimeout(r, 1_000))
    await during.stop()
    const over = during.latencies.filter((ms) => ms > LATENCY_BOUND_MS).length
    console.log(
      `redis kill+restart: ${during.latencies.length} reads, errors=${during.errors.length}, ` +
        `p99=${percentile(during.latencies, 99).toFixed(1)} ms, over bound: ${over}`,
    )
    expect(during.errors).toStrictEqual([])
    expect(over).toBe(0)
    // Once Redis is back, invalidations are acknowledged again.
    db.set('k0', { id: 'k0', version: 2 })
    await invalidateWithRetry(a.cache, 'k0', 2)
    expect((await a.cache.getOrLoad('k0', load('k0')))?.version).toBe(2)
    await a.close()
  }, 60_000)
})
