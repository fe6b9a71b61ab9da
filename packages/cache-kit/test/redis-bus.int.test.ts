import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { Redis } from 'ioredis'
import { createFaultProxy, startRedis, type RedisHandle } from '@faultline/infra'
import { createRedisBus } from '@faultline/cache-kit/redis'
import { invalidationBusContract } from '@faultline/cache-kit/testing'
import { until } from './fixtures/latency.js'

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

/** SUBSCRIBE calls Redis has executed since it started (INFO commandstats). */
async function subscribeCalls(admin: Redis): Promise<number> {
  const info = await admin.info('commandstats')
  return Number(/cmdstat_subscribe:calls=(\d+)/.exec(info)?.[1] ?? 0)
}

describe('RedisBus reconnecting', () => {
  test('a reconnect sends one SUBSCRIBE, its own and handled: none that ioredis leaves unhandled', async () => {
    const admin = new Redis(redis.url)
    const states: string[] = []
    const bus = createRedisBus({
      url: redis.url,
      connectionName: 'resubscribe-bus',
      redisOptions: { retryStrategy: () => 5 },
    })
    await bus.subscribe({ onMessage: () => undefined, onState: (state) => states.push(state) })
    await until('the bus is up', () => bus.state === 'up')
    const before = await subscribeCalls(admin)
    await admin.call('CLIENT', 'KILL', 'SKIPME', 'yes', 'TYPE', 'pubsub')
    await until(
      'the bus went down and came back',
      () => states.includes('down') && bus.state === 'up',
    )
    // ioredis's own auto-resubscribe would be a second SUBSCRIBE whose promise nobody handles.
    expect((await subscribeCalls(admin)) - before).toBe(1)
    await bus.close()
    admin.disconnect()
  }, 120_000)

  test('a bus closed while its resubscribe is unanswered leaves no unhandled rejection', async () => {
    const unhandled: unknown[] = []
    const record = (reason: unknown) => void unhandled.push(reason)
    process.on('unhandledRejection', record)
    const proxy = await createFaultProxy({ upstream: `${redis.host}:${redis.port}` })
    const admin = new Redis(redis.url)
    const bus = createRedisBus({
      url: `redis://${proxy.url}`,
      connectionName: 'unanswered-bus',
      heartbeatTimeoutMs: 60_000,
      redisOptions: { retryStrategy: () => 5 },
    })
    try {
      await bus.subscribe({ onMessage: () => undefined, onState: () => undefined })
      await until('the bus is up', () => bus.state === 'up')
      // Replies now take a second, so a SUBSCRIBE that Redis has run is still unanswered on the
      // client for that long.
      await proxy.addToxic({
        type: 'latency',
        stream: 'downstream',
        attributes: { latencyMs: 1_000 },
      })
      await admin.call('CLIENT', 'KILL', 'SKIPME', 'yes', 'TYPE', 'pubsub')
      await until('the reconnected subscriber has subscribed on the server', async () => {
        const list = (await admin.call('CLIENT', 'LIST')) as string
        return list
          .split('\n')
          .some((line) => line.includes('name=unanswered-bus ') && / sub=1 /.test(line))
      })
      await bus.close() // the reply to that SUBSCRIBE is still on its way
      // The socket closes through the slow proxy, and only then are pending commands rejected. A
      // lower bound: on a slower machine a late rejection still fails the run as unhandled.
      await new Promise((resolve) => setTimeout(resolve, 3_000))
      expect(unhandled).toStrictEqual([])
    } finally {
      process.off('unhandledRejection', record)
      admin.disconnect()
      await proxy.close()
    }
  }, 120_000)
})
