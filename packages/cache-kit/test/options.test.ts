import { describe, expect, test } from 'vitest'
import {
  createCache,
  createMemoryCacheStore,
  isCacheKitError,
  type CacheOptions,
} from '@faultline/cache-kit'
import { createReplicaRouter, type ReplicaRouterOptions } from '@faultline/cache-kit/postgres'
import { createRedisBus, createRedisStore } from '@faultline/cache-kit/redis'
import { FakeCluster } from './fixtures/fake-cluster.js'

/** The error `construct` throws, as `{ code, option, message }`. */
function refusal(construct: () => unknown): { code: string; option: unknown; message: string } {
  try {
    construct()
  } catch (error) {
    if (!isCacheKitError(error)) throw error
    return { code: error.code, option: error.context.option, message: error.message }
  }
  throw new Error('expected the options to be refused')
}

const store = createMemoryCacheStore()

describe('option validation', () => {
  test.each<[string, Partial<CacheOptions>, string]>([
    ['bus', { bus: {} as never }, 'an InvalidationBus'],
    ['logger', { logger: { warn: () => undefined } as never }, 'a Logger such as pino()'],
    ['clock', { clock: { now: 5 } as never }, 'a Clock'],
    ['serializer', { serializer: 'json' as never }, 'a Serializer'],
    ['tracer', { tracer: {} as never }, 'an OpenTelemetry Tracer'],
    ['metrics', { metrics: { inc: () => undefined } as never }, 'a CacheMetricsHook'],
    ['nodeId', { nodeId: '' }, 'a non-empty string'],
    ['random', { random: 0.5 as never }, 'a function'],
    ['l1', { l1: 'yes' as never }, 'an L1Options object'],
    ['l1.maxTtlMs', { l1: { maxTtlMs: -1 } }, 'an integer from 1'],
    ['readyTimeoutMs', { readyTimeoutMs: 0 }, 'an integer from 1 to 3600000'],
    ['busTimeoutMs', { busTimeoutMs: 2.5 }, 'an integer from 1'],
    ['leasePollMs', { leasePollMs: 0 }, 'an integer from 1'],
    ['fenceRetries', { fenceRetries: 11 }, 'an integer from 0 to 10'],
  ])(
    'createCache() refuses a bad %s, naming the option, the value and the range',
    (option, bad, rule) => {
      const error = refusal(() => createCache({ store, ...bad }))
      expect(error.code).toBe('E_CACHE_INVALID_OPTION')
      expect(error.option).toBe(option)
      expect(error.message).toContain(`Option ${option} must be ${rule}`)
      expect(error.message).toMatch(/; got .+\.$/)
    },
  )

  test('createCache() refuses a missing or half-implemented store', () => {
    expect(refusal(() => createCache(undefined as never)).option).toBe('options')
    expect(refusal(() => createCache({} as never)).option).toBe('store')
    const full = createMemoryCacheStore()
    const halfStore = {
      read: full.read.bind(full),
      fill: full.fill.bind(full),
      invalidate: full.invalidate.bind(full),
      invalidateTags: full.invalidateTags.bind(full),
      releaseLease: full.releaseLease.bind(full),
    }
    const error = refusal(() => createCache({ store: halfStore as never }))
    expect([error.option, error.message]).toStrictEqual([
      'store',
      'Option store must be a CacheStore (with peek(), read(), fill(), invalidate(), invalidateTags(), releaseLease()); got an object.',
    ])
  })

  test.each<[string, object]>([
    ['url', { url: 'http://localhost:6379' }],
    ['url', { url: 'not a url' }],
    ['url', {}],
    ['prefix', { url: 'redis://localhost:6379', prefix: '' }],
    ['client', { client: {} }],
  ])('createRedisStore() refuses a bad %s before it connects', (option, bad) => {
    const error = refusal(() => createRedisStore(bad))
    expect([error.code, error.option]).toStrictEqual(['E_CACHE_INVALID_OPTION', option])
  })

  test('a refused Redis URL is shown without its password', () => {
    const error = refusal(() => createRedisStore({ url: 'http://user:s3cret@cache.internal:6379' }))
    expect(error.message).toContain('//***@cache.internal')
    expect(error.message).not.toContain('s3cret')
  })

  test.each<[string, object]>([
    ['channel', { channel: '' }],
    ['heartbeatIntervalMs', { heartbeatIntervalMs: 0 }],
    ['heartbeatTimeoutMs', { heartbeatTimeoutMs: 120_000 }],
    ['connectionName', { connectionName: 7 }],
  ])('createRedisBus() refuses a bad %s before it connects', (option, bad) => {
    const error = refusal(() => createRedisBus({ url: 'redis://localhost:6379', ...bad }))
    expect([error.code, error.option]).toStrictEqual(['E_CACHE_INVALID_OPTION', option])
  })

  test('createReplicaRouter() refuses a bad logger', () => {
    const cluster = new FakeCluster()
    const options = { primary: cluster.primary, replica: cluster.replica, logger: console.log }
    const error = refusal(() => createReplicaRouter(options as unknown as ReplicaRouterOptions))
    expect([error.code, error.option]).toStrictEqual(['E_CACHE_INVALID_OPTION', 'logger'])
  })
})
