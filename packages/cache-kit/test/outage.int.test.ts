import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { Redis } from 'ioredis'
import { startRedis, type RedisHandle } from '@faultline/infra'
import { createCache, type ReadThroughCache } from '@faultline/cache-kit'
import { createRedisBus, createRedisStore } from '@faultline/cache-kit/redis'
import { percentile, until, watchSchedulingDelay } from './fixtures/latency.js'

const KEYS = 20
/** Reads completed while Redis is paused (or dead): the outage is sized by work, not by time. */
const OUTAGE_READS = 400
const STORE_TIMEOUT_MS = 200
const HARD_TIMEOUT_MS = 1_000
const HEARTBEAT_MS = 200
/**
 * Worst case for one call: one store timeout plus the loader's hard timeout, plus slack. The test
 * adds the worst timer lateness it saw, so a loaded machine does not count against the code.
 */
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
  // A loader with a little latency, like a database round trip.
  const load = (id: string) => async () => {
    await new Promise((resolve) => setTimeout(resolve, 5))
    return { ...db.get(id)! }
  }
  const worker = async (slot: number): Promise<void> => {
    for (let read = 0; running; read += 1) {
      const id = `k${(slot * 7 + read) % KEYS}`
      const started = performance.now()
      try {
        await nodes[(slot + read) % nodes.length]!.getOrLoad(id, load(id))
      } catch (error) {
        errors.push(error)
      }
      latencies.push(performance.now() - started)
      await new Promise((resolve) => setTimeout(resolve, 2))
    }
  }
  const done = Promise.all(Array.from({ length: concurrency }, (_, slot) => worker(slot)))
  return {
    latencies,
    errors,
    stop: async () => ((running = false), await done),
  }
}

/**
 * A change-stream consumer: retries an invalidation until L2 and the bus acknowledge it. Counts
 * rejections in `rejected`. Bounded: a consumer that never gets through fails the test.
 */
async function invalidateWithRetry(
  cache: ReadThroughCache,
  key: string,
  version: number,
  rejected = { count: 0 },
): Promise<void> {
  for (let attempt = 0; attempt < 2_000; attempt += 1) {
    try {
      await cache.applyChange({ key, version })
      return
    } catch {
      rejected.count += 1
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
  throw new Error(`applyChange(${key}) was not acknowledged after 2000 attempts`)
}

describe('ReadThroughCache fail-safe while Redis is paused', () => {
  test(`keeps answering with 0 errors through a pause (${OUTAGE_READS} reads during it), and no key stays stale after resume`, async () => {
    const db = new Map<string, Row>(
      Array.from({ length: KEYS }, (_, index) => [`k${index}`, { id: `k${index}`, version: 1 }]),
    )
    const nodeA = node('outage-a')
    const nodeB = node('outage-b')
    await Promise.all([nodeA.cache.ready(), nodeB.cache.ready()])
    const load = (id: string) => () => ({ ...db.get(id)! })
    for (const id of db.keys())
      await Promise.all([nodeA.cache.getOrLoad(id, load(id)), nodeB.cache.getOrLoad(id, load(id))])

    // The naive contrast: a plain ioredis GET with no timeout does not answer while Redis is paused.
    const naive = new Redis(redis.url)
    await naive.ping()

    const load1 = readers([nodeA.cache, nodeB.cache], db, 16)
    await until('readers under way', () => load1.latencies.length >= 50)
    const lateness = watchSchedulingDelay()
    await redis.pause()
    const outage = readers([nodeA.cache, nodeB.cache], db, 16)
    const naiveAnswered = await Promise.race([
      naive.get('k0').then(
        () => true,
        () => true,
      ),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2_000)),
    ])
    // Writes during the outage: the database moves on; their invalidations cannot reach Redis yet.
    const pending: Promise<void>[] = []
    const rejected = { count: 0 }
    for (let index = 0; index < KEYS; index += 2) {
      const row = db.get(`k${index}`)!
      db.set(row.id, { id: row.id, version: row.version + 1 })
      pending.push(invalidateWithRetry(nodeA.cache, row.id, row.version + 1, rejected))
    }
    // The pause lasts until enough reads went through it, every writer was turned away at least
    // once, and both nodes noticed that their bus is down (so L1 is bypassed).
    await until(
      'the outage has done its work',
      () =>
        outage.latencies.length >= OUTAGE_READS &&
        rejected.count >= KEYS / 2 &&
        nodeA.cache.stats().busState === 'down' &&
        nodeB.cache.stats().busState === 'down',
    )
    const flushes = [nodeA, nodeB].map((node) => node.cache.stats().l1Flushes)
    await outage.stop()
    lateness.stop()
    await redis.resume()
    const resumedAt = performance.now()
    await Promise.all(pending)
    const ackedMs = performance.now() - resumedAt
    await load1.stop()

    const p99 = percentile(outage.latencies, 99)
    const bound = LATENCY_BOUND_MS + lateness.maxMs()
    const over = outage.latencies.filter((ms) => ms > bound).length
    console.log(
      `redis pause: ${outage.latencies.length} reads during the outage, errors=${outage.errors.length}, ` +
        `p50=${percentile(outage.latencies, 50).toFixed(1)} ms p99=${p99.toFixed(1)} ms max=${Math.max(...outage.latencies).toFixed(1)} ms ` +
        `(bound ${LATENCY_BOUND_MS} ms + ${lateness.maxMs().toFixed(0)} ms timer lateness, over bound: ${over}); ` +
        `${rejected.count} applyChange rejections, acknowledged ${ackedMs.toFixed(0)} ms after resume; ` +
        `naive GET answered during pause: ${naiveAnswered}`,
    )
    expect(naiveAnswered).toBe(false)
    expect(outage.errors).toStrictEqual([])
    expect(load1.errors).toStrictEqual([])
    expect(over).toBe(0)

    // Once both buses are back (each flushing its L1 as it comes up), every key on every node is
    // current.
    await until('both buses back up, each having flushed its L1', () =>
      [nodeA, nodeB].every(
        (node, index) =>
          node.cache.stats().busState === 'up' && node.cache.stats().l1Flushes > flushes[index]!,
      ),
    )
    const stale: string[] = []
    for (const [id, row] of db) {
      for (const [name, node] of [
        ['a', nodeA],
        ['b', nodeB],
      ] as const) {
        const got = await node.cache.getOrLoad(id, load(id))
        if (got?.version !== row.version)
          stale.push(`${name}:${id} v${got?.version} (db v${row.version})`)
      }
    }
    console.log(
      `after resume: stale keys=${stale.length}; node b stats ${JSON.stringify(nodeB.cache.stats())}`,
    )
    expect(stale).toStrictEqual([])
    naive.disconnect()
    await nodeA.close()
    await nodeB.close()
  }, 300_000)

  test(`keeps answering with 0 errors while Redis is killed and restarted empty (${OUTAGE_READS} reads while down)`, async () => {
    const db = new Map<string, Row>(
      Array.from({ length: KEYS }, (_, index) => [`k${index}`, { id: `k${index}`, version: 1 }]),
    )
    const nodeA = node('kill-a')
    await nodeA.cache.ready()
    const load = (id: string) => () => ({ ...db.get(id)! })
    for (const id of db.keys()) await nodeA.cache.getOrLoad(id, load(id))
    const lateness = watchSchedulingDelay()
    const during = readers([nodeA.cache], db, 8)
    await redis.kill()
    await until('reads while Redis is down', () => during.latencies.length >= OUTAGE_READS)
    await redis.restart()
    const restartedAt = during.latencies.length
    await until(
      'the store answers again, and reads go on',
      () =>
        nodeA.cache.health().store.state === 'up' && during.latencies.length >= restartedAt + 100,
    )
    await during.stop()
    lateness.stop()
    const bound = LATENCY_BOUND_MS + lateness.maxMs()
    const over = during.latencies.filter((ms) => ms > bound).length
    console.log(
      `redis kill+restart: ${during.latencies.length} reads, errors=${during.errors.length}, ` +
        `p99=${percentile(during.latencies, 99).toFixed(1)} ms, over bound (${bound.toFixed(0)} ms): ${over}`,
    )
    expect(during.errors).toStrictEqual([])
    expect(over).toBe(0)
    // Once Redis is back, invalidations are acknowledged again.
    db.set('k0', { id: 'k0', version: 2 })
    await invalidateWithRetry(nodeA.cache, 'k0', 2)
    expect((await nodeA.cache.getOrLoad('k0', load('k0')))?.version).toBe(2)
    await nodeA.close()
  }, 300_000)
})
