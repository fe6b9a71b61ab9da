import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { Redis } from 'ioredis'
import { startRedis, type RedisHandle } from '@faultline/infra'
import { createCache } from '@faultline/cache-kit'
import { createRedisStore } from '@faultline/cache-kit/redis'
import { cacheStoreContract } from './contracts/cache-store.contract.js'
import { raceCacheKit, raceNaive, type NaiveKv, type Row } from './fixtures/race.js'

let redis: RedisHandle
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => {
  await redis?.stop()
})

cacheStoreContract('redis', async () => {
  const store = createRedisStore({ url: redis.url, prefix: `contract:${Date.now()}:` })
  return Promise.resolve({ store, now: () => Date.now(), close: () => store.close() })
})

describe('RedisStore stale-set race', () => {
  const REPETITIONS = 1_000

  test(`leaves 0 stale keys over ${REPETITIONS} forced races; a naive cache-aside on the same Redis leaves stale keys`, async () => {
    const store = createRedisStore({ url: redis.url, prefix: 'race:' })
    const client = new Redis(redis.url)
    const kv: NaiveKv = {
      get: (k) => client.get(`naive:${k}`),
      set: async (k, v) => void (await client.set(`naive:${k}`, v)),
      del: async (k) => void (await client.del(`naive:${k}`)),
    }
    const cache = createCache({ store, l1: {} })
    const l2View = createCache({ store })
    const db = new Map<string, Row>()
    let kitStale = 0
    let naiveStale = 0
    for (let i = 0; i < REPETITIONS; i += 1) {
      if (await raceCacheKit(cache, [cache, l2View], db, `kit:${i}`)) kitStale += 1
      if (await raceNaive(kv, db, `${i}`)) naiveStale += 1
    }
    console.log(
      `stale-set race x${REPETITIONS} (redis): cache-kit stale=${kitStale}, naive stale=${naiveStale}`,
    )
    expect(naiveStale).toBe(REPETITIONS)
    expect(kitStale).toBe(0)
    client.disconnect()
    await store.close()
  })
})
