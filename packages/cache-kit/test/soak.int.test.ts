import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { Redis } from 'ioredis'
import { checkFlat, sampleProcess, startRedis, type RedisHandle } from '@faultline/infra'
import { createCache, type ReadThroughCache } from '@faultline/cache-kit'
import { createRedisBus, createRedisStore } from '@faultline/cache-kit/redis'
import type { Row } from './fixtures/race.js'

/**
 * Sized by work: cycles × (reads + changes) per node, whatever the machine's speed. SOAK_CYCLES
 * runs a longer soak by hand, to tell warm-up (growth that stops) from a leak (growth that goes on).
 */
const CYCLES = Number(process.env.SOAK_CYCLES ?? 40)
const WARM_UP_CYCLES = 8
const KEYS = 100
const READS_PER_CYCLE = 400
const CHANGES_PER_CYCLE = 40
const CONCURRENCY = 16

let redis: RedisHandle
let admin: Redis
beforeAll(async () => {
  redis = await startRedis()
  admin = new Redis(redis.url, { connectionName: 'soak-admin' })
})
afterAll(async () => {
  admin?.disconnect()
  await redis?.stop()
})

/** One node: its own store connection, bus (publisher + subscriber) and L1. */
function node(name: string) {
  const store = createRedisStore({ url: redis.url, prefix: 'soak:' })
  const bus = createRedisBus({
    url: redis.url,
    connectionName: `${name}-bus`,
    // Many heartbeats per cycle, so a heartbeat that left something behind would show.
    heartbeatIntervalMs: 20,
    heartbeatTimeoutMs: 1_000,
  })
  const cache = createCache({ store, bus, l1: { maxEntries: KEYS / 2 }, ttlMs: 60_000 })
  return { cache, close: async () => (await cache.close(), await bus.close(), await store.close()) }
}

/** Runs `count` tasks, at most CONCURRENCY at a time. */
async function pooled(count: number, task: (index: number) => Promise<unknown>): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    for (let index = next++; index < count; index = next++) await task(index)
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
}

/** One cycle of steady load: reads on both nodes, and changes written through alternate nodes. */
async function cycle(nodes: ReadThroughCache[], db: Map<string, Row>, round: number) {
  const load = (id: string) => () => ({ ...db.get(id)! })
  await pooled(READS_PER_CYCLE * nodes.length, async (index) => {
    const id = `k${(index * 7 + round) % KEYS}`
    await nodes[index % nodes.length]!.getOrLoad(id, load(id))
  })
  await pooled(CHANGES_PER_CYCLE, async (index) => {
    const id = `k${(index * 13 + round) % KEYS}`
    const row = db.get(id)!
    db.set(id, { id, version: row.version + 1 })
    await nodes[(index + round) % nodes.length]!.applyChange({ key: id, version: row.version + 1 })
  })
}

async function redisConnections(): Promise<number> {
  const list = (await admin.call('CLIENT', 'LIST')) as string
  return list.split('\n').filter((line) => line.trim() !== '').length
}

/**
 * Shown to fail on a leak: with the store guard's deadline queue never trimmed (it keeps one item
 * per store call), the heap's growth over the run went far past the allowance.
 */
describe('soak: a cache with a bus under steady load', () => {
  test(`heap after GC, active resources and Redis connections stay flat over ${CYCLES} cycles on 2 nodes`, async () => {
    const nodes = [node('soak-a'), node('soak-b')]
    await Promise.all(nodes.map((each) => each.cache.ready()))
    const db = new Map<string, Row>(
      Array.from({ length: KEYS }, (_, index) => [`k${index}`, { id: `k${index}`, version: 1 }]),
    )
    const heap: number[] = []
    const resources: number[] = []
    const connections: number[] = []
    for (let round = 0; round < CYCLES; round += 1) {
      await cycle(
        nodes.map((each) => each.cache),
        db,
        round,
      )
      const sample = sampleProcess()
      heap.push(sample.heapBytes)
      resources.push(sample.activeResources)
      connections.push(await redisConnections())
    }
    const stats = nodes.map((each) => each.cache.stats())
    await Promise.all(nodes.map((each) => each.close()))

    const verdicts = [
      checkFlat('heap after GC (bytes)', heap, { maxRelativeGrowth: 0.1, skip: WARM_UP_CYCLES }),
      checkFlat('active resources', resources, {
        maxRelativeGrowth: 0,
        absoluteTolerance: 2,
        skip: WARM_UP_CYCLES,
      }),
      checkFlat('Redis connections (CLIENT LIST)', connections, {
        maxRelativeGrowth: 0,
        absoluteTolerance: 0.5,
        skip: WARM_UP_CYCLES,
      }),
    ]
    console.log(
      [
        `soak: ${CYCLES} cycles × 2 nodes × (${READS_PER_CYCLE} reads + ${CHANGES_PER_CYCLE / 2} changes)`,
        ...verdicts.map((verdict) => verdict.summary),
        `node stats: ${JSON.stringify(stats.map(({ hits, misses, loads, invalidations, l1Flushes }) => ({ hits, misses, loads, invalidations, l1Flushes })))}`,
      ].join('\n'),
    )
    // The load was real: both nodes read, missed after changes, and heard the other's changes.
    for (const nodeStats of stats) {
      expect(nodeStats.hits).toBeGreaterThan(0)
      expect(nodeStats.loads).toBeGreaterThan(0)
      expect(nodeStats.invalidations).toBeGreaterThan(CYCLES)
    }
    for (const verdict of verdicts) expect(verdict.flat, verdict.summary).toBe(true)
  }, 600_000)
})
