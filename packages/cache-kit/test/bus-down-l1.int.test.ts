import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createFaultProxy, startRedis, type FaultProxy, type RedisHandle } from '@faultline/infra'
import { createCache, type ReadThroughCache } from '@faultline/cache-kit'
import { createRedisBus, createRedisStore } from '@faultline/cache-kit/redis'
import { until } from './fixtures/latency.js'
import type { Row } from './fixtures/race.js'

const TRIALS = 20

let redis: RedisHandle
let proxy: FaultProxy
beforeAll(async () => {
  redis = await startRedis()
  proxy = await createFaultProxy({ upstream: `${redis.host}:${redis.port}` })
})
afterAll(async () => {
  await proxy?.close()
  await redis?.stop()
})

/** A node; `busUrl` lets node B reach Redis pub/sub through the fault proxy only. */
function node(name: string, busUrl: string) {
  const store = createRedisStore({ url: redis.url })
  const bus = createRedisBus({
    url: busUrl,
    connectionName: name,
    heartbeatIntervalMs: 200,
    heartbeatTimeoutMs: 200,
    redisOptions: { retryStrategy: () => 20 },
  })
  const cache = createCache({ store, bus, l1: {}, leaseWaitMs: 200, leasePollMs: 10 })
  return {
    store,
    cache,
    close: async () => (await cache.close(), await bus.close(), await store.close()),
  }
}

async function untilBus(cache: ReadThroughCache, state: 'up' | 'down'): Promise<void> {
  await until(`bus goes ${state}`, () => cache.stats().busState === state)
}

type Mode = 'lease-held' | 'soft-timeout' | 'loader-failed' | 'batch-loader-failed'

describe('node B with its bus connection cut, after A acknowledged v2', () => {
  test(`never returns the v1 in its L1 (${TRIALS} trials each: another node holds the lease, the soft timeout fires, the loader fails, the batch loader fails)`, async () => {
    const nodeA = node('l1-a', redis.url)
    const nodeB = node('l1-b', `redis://${proxy.url}`)
    const other = createRedisStore({ url: redis.url })
    await Promise.all([nodeA.cache.ready(), nodeB.cache.ready()])
    const db = new Map<string, Row>()
    const load = (key: string) => () => ({ ...db.get(key)! })
    const outcomes: Record<Mode, string[]> = {
      'lease-held': [],
      'soft-timeout': [],
      'loader-failed': [],
      'batch-loader-failed': [],
    }

    const readOnB = async (mode: Mode, key: string): Promise<Row | undefined> => {
      const failing = () => Promise.reject(new Error('database down'))
      switch (mode) {
        case 'lease-held': {
          const lease = await other.read(key, {
            tags: [],
            now: Date.now(),
            leaseOwner: 'another-node',
            leaseTtlMs: 60_000,
            ticketTtlMs: 600_000,
          })
          expect(lease.lease).toBe('acquired')
          return nodeB.cache.getOrLoad(key, load(key))
        }
        case 'soft-timeout': {
          // The loader's timer is armed after the soft timeout's and is due later; timers fire in
          // due order, so on any machine the soft timeout comes first (not a wall-clock bet).
          const slow = async () => (
            await new Promise((resolve) => setTimeout(resolve, 50)),
            load(key)()
          )
          return nodeB.cache.getOrLoad(key, slow, { softTimeoutMs: 5 })
        }
        case 'loader-failed':
          return nodeB.cache.getOrLoad(key, failing)
        case 'batch-loader-failed':
          return (await nodeB.cache.getManyOrLoad<Row>([key], failing)).get(key)
      }
    }

    for (const mode of Object.keys(outcomes) as Mode[]) {
      for (let trial = 0; trial < TRIALS; trial += 1) {
        const key = `${mode}:${trial}`
        db.set(key, { id: key, version: 1 })
        await untilBus(nodeB.cache, 'up')
        await nodeB.cache.getOrLoad(key, load(key))
        const l1Hits = nodeB.cache.stats().l1Hits
        expect((await nodeB.cache.getOrLoad(key, load(key)))?.version).toBe(1)
        expect(nodeB.cache.stats().l1Hits).toBe(l1Hits + 1) // v1 is in B's L1
        await proxy.setDown(true)
        await untilBus(nodeB.cache, 'down')
        db.set(key, { id: key, version: 2 })
        await nodeA.cache.applyChange({ key, version: 2 }) // B's copy of the message is lost
        const got = await readOnB(mode, key).then(
          (row) => `v${row?.version}`,
          (error: unknown) => (error as { code?: string }).code ?? String(error),
        )
        outcomes[mode].push(got)
        await proxy.setDown(false)
      }
    }
    const stale = Object.fromEntries(
      Object.entries(outcomes).map(([mode, got]) => [
        mode,
        got.filter((value) => value === 'v1').length,
      ]),
    )
    console.log(
      `bus cut on B, Redis healthy, graceMs 0: v1 returned per mode (of ${TRIALS}) ${JSON.stringify(stale)}; ` +
        `outcomes ${JSON.stringify(Object.fromEntries(Object.entries(outcomes).map(([mode, got]) => [mode, [...new Set(got)]])))}`,
    )
    expect(stale).toStrictEqual({
      'lease-held': 0,
      'soft-timeout': 0,
      'loader-failed': 0,
      'batch-loader-failed': 0,
    })
    await other.close()
    await nodeA.close()
    await nodeB.close()
  }, 120_000)
})
