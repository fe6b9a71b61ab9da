import type { Logger } from '@faultline/common'
import { createCache, type InvalidationBus, type ReadThroughCache } from '@faultline/cache-kit'
import { createRedisBus, createRedisStore } from '@faultline/cache-kit/redis'

/** Options of {@link createCatalogCache}. */
export interface CatalogCacheOptions {
  readonly redisUrl: string
  /** Prefix of keys and channel, so two runs on one Redis never share entries. */
  readonly namespace: string
  /** This instance's id; names its bus connection (`CLIENT LIST` shows it). */
  readonly instance: string
  readonly logger: Logger
  /** Wraps the Redis bus (the catalog-query test hook drops its messages through this). */
  readonly wrapBus?: (bus: InvalidationBus) => InvalidationBus
  /** L1 entries live at most this long; a lost invalidation is bounded by it. @default 60000 */
  readonly l1MaxTtlMs?: number
}

/** The catalog's cache and the Redis connections it owns. */
export interface CatalogCache {
  readonly cache: ReadThroughCache
  /** The bus's subscriber connection name, for `CLIENT KILL` in fault tests. */
  readonly busConnectionName: string
  close(): Promise<void>
}

/**
 * The one cache wiring catalog-admin and catalog-query share: L1 + Redis L2, invalidations over
 * Redis pub/sub on a per-run channel.
 */
export function createCatalogCache(options: CatalogCacheOptions): CatalogCache {
  const store = createRedisStore({ url: options.redisUrl, prefix: `${options.namespace}ck:` })
  const busConnectionName = `bus-${options.namespace}${options.instance}`
  const redisBus = createRedisBus({
    url: options.redisUrl,
    channel: `${options.namespace}catalog:invalidations`,
    connectionName: busConnectionName,
  })
  const bus = options.wrapBus?.(redisBus) ?? redisBus
  const cache = createCache({
    store,
    bus,
    l1: { maxEntries: 50_000, maxTtlMs: options.l1MaxTtlMs ?? 60_000 },
    ttlMs: 300_000,
    graceMs: 0,
    logger: options.logger,
  })
  return {
    cache,
    busConnectionName,
    async close() {
      await cache.close()
      await bus.close()
      await store.close()
    },
  }
}
