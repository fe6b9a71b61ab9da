/**
 * `@faultline/cache-kit`: a read-through cache (L1 in-process + L2) whose invalidation stays
 * correct under concurrency, replica lag and outages. Exactly what the README documents; Redis
 * adapters are on `./redis`, the replica router on `./postgres`, test helpers on `./testing`.
 */
export { createCache } from './read-through-cache.js'
export type { CacheOptions, ReadThroughCache } from './read-through-cache.js'
export { CACHE_DEFAULTS } from './options.js'
export type { CacheTunables, GetOrLoadOptions } from './options.js'
export type { L1Options } from './l1-tier.js'
export type { Loader, LoaderContext, LoadSource } from './loader.js'
export type { BatchLoader, BatchLoaderContext } from './batch.js'
export type { ChangeEvent, ChangeResult, InvalidateOptions } from './invalidator.js'
export type {
  CacheEventName,
  CacheEvents,
  CacheListener,
  FlushReason,
  StaleReason,
} from './events.js'
export type { CacheStats } from './stats.js'
export type { BackendStatus, CacheHealth } from './health.js'
export { CounterRegistry } from './metrics.js'
export type { CacheCounterName, CacheGaugeName, CacheLabels, CacheMetricsHook } from './metrics.js'
export { createJsonSerializer } from './serializer.js'
export type { Serializer } from './serializer.js'
export { CacheKitError, isCacheKitError } from './errors.js'
export type { CacheKitErrorCode, CacheKitErrorContext } from './errors.js'
export type {
  BusHandlers,
  BusState,
  CacheStore,
  FillRejectReason,
  FillResult,
  FillTicket,
  InvalidateRequest,
  InvalidateResult,
  InvalidationBus,
  InvalidationMessage,
  StoredEntry,
  StoreFillOptions,
  StoreReadOptions,
  StoreReadResult,
  Watermark,
} from './ports.js'
export { createMemoryCacheStore } from './adapters/memory-cache-store.js'
export type { MemoryCacheStore, MemoryCacheStoreOptions } from './adapters/memory-cache-store.js'
export { createMemoryBusHub } from './adapters/memory-bus.js'
export type { MemoryBus, MemoryBusHub } from './adapters/memory-bus.js'
export { compareLsn, formatLsn, parseLsn } from '@faultline/common'
export type { Clock, Logger, Lsn, LsnInput } from '@faultline/common'
