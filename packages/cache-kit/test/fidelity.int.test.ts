import { afterAll, beforeAll, describe, test } from 'vitest'
import { startRedis, type RedisHandle } from '@faultline/infra'
import { createCache } from '@faultline/cache-kit'
import { createRedisStore } from '@faultline/cache-kit/redis'
import { assertRoundTrip } from './fixtures/fidelity.js'

let redis: RedisHandle
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => {
  await redis?.stop()
})

describe('ReadThroughCache round-trip fidelity on Redis', () => {
  test('L1, L2 and a fresh load return identical Dates, BigInts, nested objects, null and not-found', async () => {
    const store = createRedisStore({ url: redis.url })
    const options = { store, negativeTtlMs: 60_000 }
    await assertRoundTrip(createCache({ ...options, l1: {} }), createCache(options), 'fidelity')
    await store.close()
  })
})
