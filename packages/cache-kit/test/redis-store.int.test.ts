import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { Redis } from 'ioredis'
import { startRedis, type RedisHandle } from '@faultline/infra'
import { createCache } from '@faultline/cache-kit'
import { createRedisStore } from '@faultline/cache-kit/redis'
import { cacheStoreContract } from '@faultline/cache-kit/testing'
import { raceCacheKit, raceNaive, type NaiveKv, type Row } from './fixtures/race.js'

let redis: RedisHandle
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => {
  await redis?.stop()
})

/** Redis's own clock in milliseconds (TIME), which its key expiry and the fill script use. */
async function serverMs(client: Redis): Promise<number> {
  const [seconds, micros] = await client.time()
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000)
}

cacheStoreContract('redis', async () => {
  const store = createRedisStore({ url: redis.url, prefix: `contract:${Date.now()}:` })
  const elapse = async (ms: number) => {
    const until = (await serverMs(store.client)) + ms
    while ((await serverMs(store.client)) < until)
      await new Promise((resolve) => setTimeout(resolve, 10))
  }
  return Promise.resolve({ store, now: () => Date.now(), elapse, close: () => store.close() })
})

describe('RedisStore after the dataset lost its data', () => {
  test('a ticket read before FLUSHDB is void, even after a later read started a new epoch', async () => {
    const store = createRedisStore({ url: redis.url, prefix: 'flush:' })
    const admin = new Redis(redis.url)
    const now = Date.now()
    const entry = {
      payload: '"v1"',
      freshUntil: now + 60_000,
      refreshAt: now + 60_000,
      graceUntil: now + 60_000,
      tags: [],
    }
    const read = (key: string) =>
      store.read(key, { tags: [], now: Date.now(), ticketTtlMs: 60_000 })
    const before = await read('k')
    await store.invalidate('k', { mode: 'force', version: 2, tombstoneTtlMs: 60_000 })
    await admin.flushdb() // what a restart without persistence does to the tombstone and the epoch
    expect(await store.fill(before.ticket, entry, { ttlMs: 60_000 })).toStrictEqual({
      ok: false,
      reason: 'invalidated',
    })
    const after = await read('k')
    expect(after.ticket.epoch).not.toBe(before.ticket.epoch)
    expect(await store.fill(before.ticket, entry, { ttlMs: 60_000 })).toMatchObject({ ok: false })
    expect(await store.peek('k')).toBeUndefined()
    expect(await store.fill(after.ticket, entry, { ttlMs: 60_000 })).toStrictEqual({ ok: true })
    admin.disconnect()
    await store.close()
  })
})

describe('RedisStore stale-set race', () => {
  const REPETITIONS = 1_000

  test(`leaves 0 stale keys over ${REPETITIONS} forced races; a naive cache-aside on the same Redis leaves stale keys`, async () => {
    const store = createRedisStore({ url: redis.url, prefix: 'race:' })
    const client = new Redis(redis.url)
    const kv: NaiveKv = {
      get: (key) => client.get(`naive:${key}`),
      set: async (key, value) => void (await client.set(`naive:${key}`, value)),
      del: async (key) => void (await client.del(`naive:${key}`)),
    }
    const cache = createCache({ store, l1: {} })
    const l2View = createCache({ store })
    const db = new Map<string, Row>()
    let kitStale = 0
    let naiveStale = 0
    for (let race = 0; race < REPETITIONS; race += 1) {
      if (await raceCacheKit(cache, [cache, l2View], db, `kit:${race}`)) kitStale += 1
      if (await raceNaive(kv, db, `${race}`)) naiveStale += 1
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
