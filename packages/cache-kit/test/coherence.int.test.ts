import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { Redis } from 'ioredis'
import { startRedis, type RedisHandle } from '@faultline/infra'
import { createCache } from '@faultline/cache-kit'
import { createRedisBus, createRedisStore } from '@faultline/cache-kit/redis'
import { percentile, until } from './fixtures/latency.js'

const UPDATES = 200

let redis: RedisHandle
let admin: Redis
beforeAll(async () => {
  redis = await startRedis()
  admin = new Redis(redis.url)
})
afterAll(async () => {
  admin?.disconnect()
  await redis?.stop()
})

interface Row {
  id: string
  version: number
}

/** A node with its own store client, bus and L1. Its subscriber reconnects only after 500 ms. */
function node(name: string) {
  const store = createRedisStore({ url: redis.url })
  const bus = createRedisBus({
    url: redis.url,
    connectionName: name,
    heartbeatIntervalMs: 500,
    heartbeatTimeoutMs: 500,
    redisOptions: { retryStrategy: () => 500 },
  })
  const cache = createCache({ store, bus, l1: {}, ttlMs: 60_000 })
  return { cache, close: async () => (await cache.close(), await bus.close(), await store.close()) }
}

/** CLIENT KILL of every connection named `name`; returns how many were killed. */
async function killConnection(name: string): Promise<number> {
  const list = (await admin.call('CLIENT', 'LIST')) as string
  const ids = list
    .split('\n')
    .filter((line) => line.includes(` name=${name} `))
    .map((line) => /id=(\d+)/.exec(line)![1]!)
  for (const id of ids) await admin.call('CLIENT', 'KILL', 'ID', id)
  return ids.length
}

describe('ReadThroughCache cross-node L1 coherence', () => {
  test(`an update through node A is visible on node B (p99 measured over ${UPDATES} updates)`, async () => {
    const nodeA = node('coh-a')
    const nodeB = node('coh-b')
    await Promise.all([nodeA.cache.ready(), nodeB.cache.ready()])
    const db = new Map<string, Row>()
    const load = (id: string) => () => ({ ...db.get(id)! })
    const lags: number[] = []
    for (let update = 0; update < UPDATES; update += 1) {
      const id = `coh:${update}`
      db.set(id, { id, version: 1 })
      await nodeB.cache.getOrLoad(id, load(id))
      expect((await nodeB.cache.getOrLoad(id, load(id)))?.version).toBe(1) // now an L1 hit on B
      const written = performance.now()
      db.set(id, { id, version: 2 })
      await nodeA.cache.invalidate(id)
      let seen = false
      // The bound only turns a lost message into a failure (B's L1 would hold v1 for its 60 s TTL);
      // a slow machine just takes longer.
      while (!seen && performance.now() - written < 30_000) {
        seen = (await nodeB.cache.getOrLoad(id, load(id)))?.version === 2
        if (!seen) await new Promise((resolve) => setImmediate(resolve))
      }
      if (seen) lags.push(performance.now() - written)
    }
    console.log(
      `cross-node coherence over ${UPDATES} updates (write+invalidate on A until B reads it): ` +
        `p50=${percentile(lags, 50).toFixed(2)} ms p99=${percentile(lags, 99).toFixed(2)} ms max=${Math.max(...lags).toFixed(2)} ms; ` +
        `B l1Hits=${nodeB.cache.stats().l1Hits}`,
    )
    expect(lags).toHaveLength(UPDATES)
    await nodeA.close()
    await nodeB.close()
  })

  test("killing B's bus connection makes B stop serving its L1; a naive subscriber keeps the old value", async () => {
    const nodeA = node('kill-a')
    const nodeB = node('kill-b')
    await Promise.all([nodeA.cache.ready(), nodeB.cache.ready()])
    const db = new Map<string, Row>([['p', { id: 'p', version: 1 }]])
    const load = () => ({ ...db.get('p')! })

    // Naive node: L1 map kept coherent only by pub/sub messages, with no handling of a lost connection.
    const naiveL1 = new Map<string, Row>([['p', { id: 'p', version: 1 }]])
    const naiveSub = new Redis(redis.url, {
      connectionName: 'kill-naive',
      retryStrategy: () => 500,
    })
    naiveSub.on('error', () => {})
    naiveSub.on('message', (_channel: string, text: string) => {
      for (const key of (JSON.parse(text) as { keys: string[] }).keys) naiveL1.delete(key)
    })
    await naiveSub.subscribe('cache-kit:invalidations')

    await nodeB.cache.getOrLoad('p', load)
    expect(nodeB.cache.stats().l1Size).toBe(1)
    const flushes = nodeB.cache.stats().l1Flushes
    const busStates: string[] = []
    nodeB.cache.on('cache:bus-state', (event) => busStates.push(event.state))
    expect(await killConnection('kill-b')).toBe(1)
    expect(await killConnection('kill-naive')).toBe(1)
    db.set('p', { id: 'p', version: 2 })
    await nodeA.cache.invalidate('p') // published while both subscribers are disconnected: lost

    // The naive subscriber reconnects on its own; a marker published once it is back arrives after
    // anything published before it, so once the marker is in, the invalidation is known lost.
    let marked = false
    naiveSub.on('message', (_channel: string, text: string) => {
      if (text.includes('"marker"')) marked = true
    })
    await until('the naive subscriber is back', async () => {
      await admin.publish('cache-kit:invalidations', JSON.stringify({ keys: [], marker: true }))
      return marked
    })
    expect(naiveL1.get('p')?.version).toBe(1)

    // B saw its connection close, so it does not serve its L1 copy of v1.
    await until('B noticed its bus went down', () => busStates.includes('down'))
    expect((await nodeB.cache.getOrLoad('p', load))?.version).toBe(2)

    // After B reconnects its L1 was flushed, and it is kept coherent by the bus again.
    await until(
      'B reconnected and flushed its L1',
      () => nodeB.cache.stats().busState === 'up' && nodeB.cache.stats().l1Flushes > flushes,
    )
    await nodeB.cache.getOrLoad('p', load)
    db.set('p', { id: 'p', version: 3 })
    await nodeA.cache.invalidate('p')
    // Within half of L1's 60 s TTL, so only the bus message can have dropped B's copy.
    await until(
      'B serves v3',
      async () => (await nodeB.cache.getOrLoad('p', load))?.version === 3,
      30_000,
    )
    naiveSub.disconnect()
    await nodeA.close()
    await nodeB.close()
  })
})
