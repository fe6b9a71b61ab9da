import { afterAll, beforeAll, expect } from 'vitest'
import { Redis } from 'ioredis'
import { startRedis, type RedisHandle } from '@faultline/infra'
import { createRedisBus } from '@faultline/cache-kit/redis'
import { invalidationBusContract } from '@faultline/cache-kit/testing'

let redis: RedisHandle
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => {
  await redis?.stop()
})

invalidationBusContract('redis', async () => {
  const busA = createRedisBus({ url: redis.url, connectionName: 'contract-a' })
  const busB = createRedisBus({
    url: redis.url,
    connectionName: 'contract-b',
    redisOptions: { retryStrategy: () => 200 },
  })
  const admin = new Redis(redis.url)
  return Promise.resolve({
    a: busA,
    b: busB,
    async dropB() {
      await admin.call('CLIENT', 'KILL', 'SKIPME', 'yes', 'TYPE', 'pubsub')
      const list = (await admin.call('CLIENT', 'LIST')) as string
      expect(list).not.toContain('name=contract-b ')
    },
    close: async () => (admin.disconnect(), await busA.close(), await busB.close()),
  })
})
