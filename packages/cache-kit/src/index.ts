/** The package version, so callers can log what they run. */
export const VERSION = '0.0.0'

export { createCache, ReadThroughCache } from './read-through-cache.js'
export type { CacheOptions } from './read-through-cache.js'
export { DEFAULTS, resolveLoadOptions } from './options.js'
export type { CacheTunables, GetOrLoadOptions, ResolvedLoadOptions } from './options.js'
export { CacheKitError, isCacheKitError } from './errors.js'
export type { CacheKitErrorCode, CacheKitErrorContext, CacheKitErrorOptions } from './errors.js'
export type {
  BusHandlers,
  BusState,
  CacheStore,
  Clock,
  FillRejectReason,
  FillResult,
  FillTicket,
  InvalidateRequest,
  InvalidateResult,
  InvalidationBus,
  InvalidationMessage,
  Logger,
  StoredEntry,
  StoreFillOptions,
  StoreReadOptions,
  StoreReadResult,
  Watermark,
} from './ports.js'
export type { Loader, LoaderContext, LoadSource } from './loader.js'
export type { BatchLoader, BatchLoaderContext } from './batch.js'
export type { ChangeEvent, ChangeResult, InvalidateOptions } from './invalidator.js'
export type { L1Options } from './l1-tier.js'
export type {
  CacheEventName,
  CacheEvents,
  CacheListener,
  FlushReason,
  StaleReason,
} from './events.js'
export type { CacheStats } from './stats.js'
export { CounterRegistry } from './metrics.js'
export type { CacheCounterName, CacheLabels, CacheMetricsHook } from './metrics.js'
export { compareLsn, formatLsn, normalizeLsn, parseLsn } from './lsn.js'
export type { Lsn } from './lsn.js'
export { createJsonSerializer } from './serializer.js'
export type { Serializer } from './serializer.js'
export { checkFill, isNewer, raiseWatermark, shouldDropEntry } from './fence.js'
export { createManualClock, silentLogger, systemClock } from './clock.js'
export type { ManualClock } from './clock.js'
export { createMemoryStore, MemoryStore } from './adapters/memory-store.js'
export type { MemoryStoreOptions } from './adapters/memory-store.js'
export { createMemoryBusHub, MemoryBus, MemoryBusHub } from './adapters/memory-bus.js'
