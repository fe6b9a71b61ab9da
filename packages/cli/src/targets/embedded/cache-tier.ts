import {
  CacheKitError,
  createCache,
  createMemoryBusHub,
  createMemoryCacheStore,
  type CacheStore,
  type MemoryBus,
  type ReadThroughCache,
} from '@faultline/cache-kit'
import { Switch } from './switch.js'

/**
 * The shared L2 ("redis") of the embedded system: one memory store and one bus hub for every
 * catalog-query instance, with an on/off switch a `redis` fault turns off. While off every store
 * call rejects as Redis being unreachable would, and every bus is disconnected (pub/sub messages
 * are lost), so the caches take their outage paths for real.
 */
export class SharedRedis {
  readonly up = new Switch()
  readonly store: CacheStore
  readonly #hub = createMemoryBusHub()
  readonly #buses = new Set<MemoryBus>()

  constructor() {
    this.store = guarded(createMemoryCacheStore(), this.up)
  }

  /** A bus for a new node, disconnected while Redis is down. */
  bus(): MemoryBus {
    const bus = this.#hub.createBus()
    this.#buses.add(bus)
    if (!this.up.on) bus.disconnect()
    return bus
  }

  /** Forgets a closed node's bus. */
  release(bus: MemoryBus): void {
    this.#buses.delete(bus)
  }

  /** Takes Redis down (one hold): the store refuses, the buses drop. */
  down(): void {
    this.up.hold()
    for (const bus of this.#buses) bus.disconnect()
  }

  /** Ends one hold; with none left Redis answers again and the buses reconnect. */
  restore(): void {
    this.up.release()
    if (this.up.on) for (const bus of this.#buses) bus.reconnect()
  }
}

/** Makes a cache for one catalog-query node on the shared Redis. */
export function createNodeCache(
  redis: SharedRedis,
  nodeId: string,
): {
  cache: ReadThroughCache
  bus: MemoryBus
} {
  const bus = redis.bus()
  const cache = createCache({
    store: redis.store,
    bus,
    l1: { maxEntries: 10_000 },
    nodeId,
    ttlMs: 60_000,
  })
  return { cache, bus }
}

/** Wraps a store so that every call rejects, retryably, while `up` is off. */
function guarded(store: CacheStore, up: Switch): CacheStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver)
      if (typeof value !== 'function' || property === 'close') return value
      return (...args: unknown[]): unknown => {
        if (!up.on) return Promise.reject(unavailable())
        return (value as (...a: unknown[]) => unknown).apply(target, args)
      }
    },
  })
}

function unavailable(): CacheKitError {
  return new CacheKitError(
    'E_CACHE_STORE_UNAVAILABLE',
    'The embedded Redis is down (a fault); it answers again when the fault ends.',
    { retryable: true, context: { endpoint: 'embedded-redis' } },
  )
}
