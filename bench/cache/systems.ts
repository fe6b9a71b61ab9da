/**
 * The systems under test, each behind the same tiny interface and used through its idiomatic
 * read-through call: cache-kit `getOrLoad`, BentoCache `getOrSet`, cache-manager `wrap`, and a raw
 * ioredis GET (cache-aside: GET, on a miss load + SET PX) as the limit.
 */
import { createKeyv } from '@keyv/redis'
import { BentoCache, bentostore } from 'bentocache'
import { memoryDriver } from 'bentocache/drivers/memory'
import { redisBusDriver, redisDriver } from 'bentocache/drivers/redis'
import { createCache as createCacheManager } from 'cache-manager'
import { CacheableMemory } from 'cacheable'
import { Redis, type RedisOptions } from 'ioredis'
import { Keyv } from 'keyv'
import { createCache } from '@faultline/cache-kit'
import { createRedisBus, createRedisStore } from '@faultline/cache-kit/redis'

/** A catalog row as the benchmark caches it (about 200 bytes of JSON). */
export interface Product {
  readonly id: string
  readonly name: string
  readonly price: number
  readonly version: number
  readonly tags: readonly string[]
  readonly updatedAt: string
}

export const SYSTEMS = ['cache-kit', 'bentocache', 'cache-manager', 'ioredis'] as const
export type SystemName = (typeof SYSTEMS)[number]

/** What every system exposes to the scenarios. */
export interface SystemUnderTest {
  readonly name: SystemName
  get(key: string, load: () => Promise<Product>): Promise<Product | undefined>
  invalidate(key: string): Promise<void>
  /** Library-specific counters worth reporting (cache-kit: its stats()). */
  details?(): Record<string, number | string | boolean>
  close(): Promise<void>
}

/** One configuration for all systems: same TTL, same L1 size, JSON in both tiers. */
export interface SystemConfig {
  readonly redisUrl: string
  readonly prefix: string
  /** L1 entries; 0 disables L1 (L2-only runs). */
  readonly l1Size: number
  readonly ttlMs: number
  /** Fail-safe tuning for the Redis-pause scenario (grace, store timeouts, circuit breakers). */
  readonly failSafe?: { readonly graceMs: number; readonly storeTimeoutMs: number }
}

export async function createSystem(name: SystemName, cfg: SystemConfig): Promise<SystemUnderTest> {
  switch (name) {
    case 'cache-kit':
      return cacheKit(cfg)
    case 'bentocache':
      return Promise.resolve(bento(cfg))
    case 'cache-manager':
      return cacheManager(cfg)
    case 'ioredis':
      return rawIoredis(cfg)
  }
}

function ioredisOptions(cfg: SystemConfig): RedisOptions {
  return {
    maxRetriesPerRequest: 2,
    ...(cfg.failSafe && { commandTimeout: cfg.failSafe.storeTimeoutMs }),
  }
}

async function cacheKit(cfg: SystemConfig): Promise<SystemUnderTest> {
  const redisOptions = ioredisOptions(cfg)
  const store = createRedisStore({ url: cfg.redisUrl, prefix: cfg.prefix, redisOptions })
  const bus =
    cfg.l1Size > 0
      ? createRedisBus({ url: cfg.redisUrl, channel: `${cfg.prefix}bus`, redisOptions })
      : undefined
  const cache = createCache({
    store,
    ...(bus && { bus }),
    ...(cfg.l1Size > 0 && { l1: { maxEntries: cfg.l1Size, maxTtlMs: cfg.ttlMs } }),
    ttlMs: cfg.ttlMs,
    ...(cfg.failSafe && {
      graceMs: cfg.failSafe.graceMs,
      storeTimeoutMs: cfg.failSafe.storeTimeoutMs,
      storeRetryAfterMs: 1_000,
      hardTimeoutMs: 2_000,
    }),
  })
  await cache.ready()
  return {
    name: 'cache-kit',
    get: (key, load) => cache.getOrLoad(key, load),
    invalidate: (key) => cache.invalidate(key),
    details: () => {
      const { l1Hits, l2Hits, misses, loads, fillsRejected, l1Flushes, staleServed, storeErrors } =
        cache.stats()
      const { busState } = cache.stats()
      return {
        l1Hits,
        l2Hits,
        misses,
        loads,
        fillsRejected,
        l1Flushes,
        staleServed,
        storeErrors,
        busState,
      }
    },
    close: async () => {
      await cache.close()
      await Promise.all([store.close(), bus?.close()])
    },
  }
}

function bento(cfg: SystemConfig): SystemUnderTest {
  const connection = new Redis(cfg.redisUrl, { ...ioredisOptions(cfg), keyPrefix: cfg.prefix })
  connection.on('error', () => {})
  let store = bentostore()
  if (cfg.l1Size > 0)
    store = store.useL1Layer(memoryDriver({ maxItems: cfg.l1Size, serialize: true }))
  store = store.useL2Layer(redisDriver({ connection }))
  if (cfg.l1Size > 0) {
    const url = new URL(cfg.redisUrl)
    store = store.useBus(
      redisBusDriver({
        connection: { host: url.hostname, port: Number(url.port), ...ioredisOptions(cfg) },
      }),
    )
  }
  const cache = new BentoCache({
    default: 'main',
    stores: { main: store },
    ttl: cfg.ttlMs,
    ...(cfg.failSafe && {
      grace: cfg.failSafe.graceMs,
      suppressL2Errors: true,
      l2CircuitBreakerDuration: 1_000,
      hardTimeout: 2_000,
    }),
  })
  return {
    name: 'bentocache',
    get: (key, load) => cache.getOrSet({ key, factory: load }),
    invalidate: async (key) => void (await cache.delete({ key })),
    close: async () => {
      await cache.disconnect()
      connection.disconnect()
    },
  }
}

async function cacheManager(cfg: SystemConfig): Promise<SystemUnderTest> {
  const l2 = createKeyv(cfg.redisUrl, { namespace: cfg.prefix.replace(/:$/, '') })
  l2.on('error', () => {})
  const stores: Keyv[] = [l2]
  if (cfg.l1Size > 0) {
    stores.unshift(
      new Keyv({ store: new CacheableMemory({ ttl: cfg.ttlMs, lruSize: cfg.l1Size }) }),
    )
  }
  const cache = createCacheManager({ stores, ttl: cfg.ttlMs })
  cache.on('get', () => {})
  await Promise.resolve()
  return {
    name: 'cache-manager',
    get: (key, load) => cache.wrap(key, load, cfg.ttlMs),
    invalidate: async (key) => void (await cache.del(key)),
    close: async () => void (await cache.disconnect()),
  }
}

async function rawIoredis(cfg: SystemConfig): Promise<SystemUnderTest> {
  const client = new Redis(cfg.redisUrl, ioredisOptions(cfg))
  client.on('error', () => {})
  await Promise.resolve()
  return {
    name: 'ioredis',
    get: async (key, load) => {
      const hit = await client.get(cfg.prefix + key)
      if (hit !== null) return JSON.parse(hit) as Product
      const value = await load()
      await client.set(cfg.prefix + key, JSON.stringify(value), 'PX', cfg.ttlMs)
      return value
    },
    invalidate: async (key) => void (await client.del(cfg.prefix + key)),
    close: async () => void (await client.quit()),
  }
}

/** The raw GET + JSON.parse the L2-hit target is measured against. */
export function rawGet(redisUrl: string): {
  get(key: string): Promise<unknown>
  close(): Promise<void>
} {
  const client = new Redis(redisUrl, { maxRetriesPerRequest: 2 })
  return {
    get: async (key) => {
      const hit = await client.get(key)
      return hit === null ? undefined : (JSON.parse(hit) as unknown)
    },
    close: async () => void (await client.quit()),
  }
}
