import { randomUUID } from 'node:crypto'
import { trace, type Tracer } from '@opentelemetry/api'
import { resolveMany, type BatchLoader } from './batch.js'
import { systemClock, silentLogger } from './clock.js'
import type { CacheCore } from './core.js'
import { entryState, needsEagerRefresh, readEntry } from './entry.js'
import { CacheKitError } from './errors.js'
import { CacheEmitter, type CacheEventName, type CacheListener } from './events.js'
import {
  Invalidator,
  type ChangeEvent,
  type ChangeResult,
  type InvalidateOptions,
} from './invalidator.js'
import { checkKey } from './keys.js'
import { L1Tier, type L1Options } from './l1-tier.js'
import type { Loader } from './loader.js'
import { LocalFence } from './local-fence.js'
import { attachMetrics, type CacheMetricsHook } from './metrics.js'
import {
  DEFAULTS,
  checkInt,
  resolveLoadOptions,
  resolveTunables,
  type CacheTunables,
  type GetOrLoadOptions,
  type ResolvedLoadOptions,
} from './options.js'
import type { CacheStore, Clock, InvalidationBus, Logger, StoredEntry } from './ports.js'
import { NO_HIT, readL2, resolveKey, loadAndFill, tryL2Hit, type Payload } from './read-path.js'
import { createJsonSerializer, type Serializer } from './serializer.js'
import { SingleFlight } from './single-flight.js'
import { trackCounts, type CacheCounts, type CacheStats } from './stats.js'
import { StoreGuard } from './store-guard.js'
import { withSpan } from './telemetry.js'

/** Options for {@link createCache}: ports, optional tiers and hooks, and the per-call defaults. */
export interface CacheOptions extends GetOrLoadOptions, CacheTunables {
  /** The L2 store (Redis via `@faultline/cache-kit/redis`, or {@link createMemoryStore}). */
  store: CacheStore
  /** Invalidation fan-out to other nodes' L1. Without it, L1 only sees this node's invalidations. */
  bus?: InvalidationBus
  /** The in-process L1 tier; `false` or omitted disables it. @default undefined */
  l1?: L1Options | false
  /** @default systemClock */
  clock?: Clock
  /** @default silentLogger */
  logger?: Logger
  /** One serializer for both tiers. @default createJsonSerializer() */
  serializer?: Serializer
  /** OpenTelemetry tracer for miss-path spans. @default trace.getTracer('@faultline/cache-kit') */
  tracer?: Tracer
  /** Prometheus-style counters. @default undefined */
  metrics?: CacheMetricsHook
  /** This node's id on the bus. @default a random UUID */
  nodeId?: string
  /** Random source for TTL jitter. @default Math.random */
  random?: () => number
}

/**
 * A read-through cache over an L1 LRU and an L2 store, whose fills are fenced against concurrent
 * invalidations (see the package README for guarantees C1–C5 and their bounds).
 */
export class ReadThroughCache {
  readonly #core: CacheCore
  readonly #defaults: ResolvedLoadOptions
  readonly #flights: SingleFlight<Payload>
  readonly #counts: CacheCounts
  readonly #invalidator: Invalidator
  readonly #bus: InvalidationBus | undefined
  readonly #tasks = new Set<Promise<unknown>>()
  #closed = false
  #leaseSeq = 0

  constructor(options: CacheOptions) {
    if (typeof options?.store?.read !== 'function') {
      throw new CacheKitError('E_CACHE_INVALID_OPTION', 'Option store must be a CacheStore.', {
        context: { option: 'store' },
      })
    }
    this.#defaults = resolveLoadOptions({ ...DEFAULTS }, options)
    const tunables = resolveTunables(options, this.#defaults.hardTimeoutMs)
    const clock = options.clock ?? systemClock
    const logger = options.logger ?? silentLogger
    const emitter = new CacheEmitter((error) =>
      logger.error('cache-kit: event listener threw', { error }),
    )
    const l1Options =
      options.l1 === false || options.l1 === undefined ? undefined : resolveL1(options.l1)
    const fence = new LocalFence({
      maxTombstones: Math.max(10_000, (l1Options?.maxEntries ?? 0) * 2),
      tombstoneTtlMs: tunables.tombstoneTtlMs,
      // Overflow only voids in-flight local fills (the epoch bump); L1 entries stay valid.
      onOverflow: () =>
        logger.debug('cache-kit: local tombstone table full; in-flight fills voided'),
    })
    const nodeId = options.nodeId ?? randomUUID()
    this.#core = {
      store: options.store,
      guard: new StoreGuard({
        timeoutMs: tunables.storeTimeoutMs,
        retryAfterMs: tunables.storeRetryAfterMs,
        onError: (operation, error) => emitter.emit('cache:store-error', { operation, error }),
      }),
      fence,
      l1: l1Options === undefined ? undefined : new L1Tier(l1Options, fence, clock),
      serializer: options.serializer ?? createJsonSerializer(),
      clock,
      logger,
      emitter,
      tunables,
      tracer: options.tracer ?? trace.getTracer('@faultline/cache-kit'),
      random: options.random ?? Math.random,
      nextLeaseOwner: () => `${nodeId}:${(this.#leaseSeq += 1)}`,
      background: (task, what) => this.#track(task, what),
      // After the current flight settles, so the refresh does not join it. Checked first so that
      // the common hit (not yet due for refresh) schedules nothing.
      onL2Hit: (key, entry, loader, opts) => {
        if (needsEagerRefresh(entry, clock.now()))
          setImmediate(() => this.#maybeRefresh(key, entry, loader, opts))
      },
    }
    this.#counts = trackCounts(emitter)
    if (options.metrics !== undefined) attachMetrics(emitter, options.metrics)
    this.#flights = new SingleFlight(fence)
    this.#bus = options.bus
    this.#invalidator = new Invalidator(this.#core, nodeId, options.bus)
  }

  /** Resolves once the bus subscription is live (L1 is not trusted before that). */
  async ready(): Promise<void> {
    await this.#invalidator.ready()
  }

  /**
   * Returns the cached value for `key`, loading it on a miss. Returns `undefined` when the loader
   * reported "not found". Rejects only with a {@link CacheKitError}; an L2 failure never rejects.
   */
  async getOrLoad<T>(
    key: string,
    loader: Loader<T>,
    options?: GetOrLoadOptions,
  ): Promise<T | undefined> {
    this.#assertOpen()
    checkKey(key, this.#core.tunables.maxKeyLength)
    // The defaults were resolved and validated once, at construction.
    const opts =
      options === undefined ? this.#defaults : resolveLoadOptions(this.#defaults, options)
    const l1Entry = this.#l1Get(key)
    if (l1Entry !== undefined && entryState(l1Entry, this.#core.clock.now()) === 'fresh') {
      this.#core.emitter.emit('cache:hit', { key, tier: 'l1' })
      this.#maybeRefresh(key, l1Entry, loader, opts)
      return readEntry(l1Entry, this.#core.serializer) as T | undefined
    }
    // An L2 hit is one plain read and needs neither single-flight nor a span; a caller joins a
    // running flight instead, so a herd on a cold key does not add one read per caller.
    if (!this.#flights.has(key)) {
      const local = this.#core.fence.ticket(key, opts.tags)
      const hit = await tryL2Hit(this.#core, { key, loader, options: opts, local })
      if (hit !== NO_HIT) return decode<T>(this.#core.serializer, hit)
    }
    const payload = await this.#flights.run(key, opts.tags, (local) =>
      withSpan(this.#core.tracer, 'cache-kit getOrLoad', key, () =>
        resolveKey(this.#core, { key, loader, options: opts, local }, l1Entry),
      ),
    )
    return decode<T>(this.#core.serializer, payload)
  }

  /**
   * Reads many keys; every key that misses both tiers is loaded by one `batchLoader` call.
   * The result has an entry per distinct key, `undefined` for "not found".
   */
  async getManyOrLoad<T>(
    keys: readonly string[],
    batchLoader: BatchLoader<T>,
    options?: GetOrLoadOptions,
  ): Promise<Map<string, T | undefined>> {
    this.#assertOpen()
    if (!Array.isArray(keys))
      throw new CacheKitError('E_CACHE_INVALID_KEY', 'keys must be an array of strings.')
    const unique = [...new Set(keys)].map((k) => checkKey(k, this.#core.tunables.maxKeyLength))
    const opts = resolveLoadOptions(this.#defaults, options)
    const payloads = new Map<string, Payload>()
    const misses: {
      key: string
      local: ReturnType<CacheCore['fence']['ticket']>
      l1Entry: StoredEntry | undefined
    }[] = []
    for (const key of unique) {
      const l1Entry = this.#l1Get(key)
      if (l1Entry !== undefined && entryState(l1Entry, this.#core.clock.now()) === 'fresh') {
        this.#core.emitter.emit('cache:hit', { key, tier: 'l1' })
        payloads.set(key, l1Entry.payload)
      } else {
        misses.push({ key, local: this.#core.fence.ticket(key, opts.tags), l1Entry })
      }
    }
    if (misses.length > 0) {
      for (const [k, v] of await resolveMany(this.#core, misses, batchLoader, opts))
        payloads.set(k, v)
    }
    return new Map(
      unique.map((k) => [k, decode<T>(this.#core.serializer, payloads.get(k) ?? null)]),
    )
  }

  /** Voids `key` in both tiers on every node; rejects (retryable) if L2 or the bus is unavailable. */
  async invalidate(key: string, options: InvalidateOptions = {}): Promise<void> {
    this.#assertOpen()
    await this.#invalidator.invalidate(checkKey(key, this.#core.tunables.maxKeyLength), options)
  }

  /** Voids every key tagged with one of `tags`, and every fill in flight that carries one. */
  async invalidateTags(tags: readonly string[]): Promise<void> {
    this.#assertOpen()
    const resolved = resolveLoadOptions(this.#defaults, { tags }).tags
    await this.#invalidator.invalidateTags(resolved)
  }

  /**
   * Applies a change-stream event (Kafka, CDC): idempotent, and never moves a key backwards. Only
   * commit the consumer offset after this resolves.
   */
  async applyChange(change: ChangeEvent): Promise<ChangeResult> {
    this.#assertOpen()
    checkKey(change?.key, this.#core.tunables.maxKeyLength)
    return this.#invalidator.applyChange(change)
  }

  /** Subscribes to a typed event; returns an unsubscribe function. */
  on<E extends CacheEventName>(event: E, listener: CacheListener<E>): () => void {
    return this.#core.emitter.on(event, listener)
  }

  /** Counters since creation plus the current state of the tiers. */
  stats(): CacheStats {
    return {
      ...this.#counts,
      l1Size: this.#core.l1?.size ?? 0,
      busState: this.#bus === undefined ? 'none' : this.#invalidator.busState,
      storeAvailable: this.#core.guard.available,
    }
  }

  /** Stops the bus subscription and waits for background refreshes. Does not close the store or bus. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#invalidator.close()
    await Promise.allSettled([...this.#tasks])
  }

  /**
   * The L1 entry for `key`, or none while the bus is down: an invalidation may have been missed,
   * so the entry is then neither a hit nor a stale fallback (C2).
   */
  #l1Get(key: string): StoredEntry | undefined {
    if (this.#bus !== undefined && this.#invalidator.busState !== 'up') return undefined
    return this.#core.l1?.get(key)
  }

  #assertOpen(): void {
    if (this.#closed) throw new CacheKitError('E_CACHE_CLOSED', 'The cache is closed.')
  }

  /** Eager refresh: one background load per key, taken only by the node that gets the lease. */
  #maybeRefresh<T>(
    key: string,
    entry: StoredEntry,
    loader: Loader<T>,
    opts: ResolvedLoadOptions,
  ): void {
    if (!needsEagerRefresh(entry, this.#core.clock.now()) || this.#flights.has(key)) return
    const task = this.#flights.run(key, opts.tags, async (local) => {
      const owner = this.#core.nextLeaseOwner()
      const read = await readL2(this.#core, key, opts.tags, owner, true)
      if (read === undefined || read.lease !== 'acquired') return entry.payload
      return loadAndFill(this.#core, { key, loader, options: opts, local }, read, owner)
    })
    this.#track(task, `eager refresh of "${key}"`)
  }

  #track(task: Promise<unknown>, what: string): void {
    const tracked = task.catch((error: unknown) =>
      this.#core.logger.warn(`cache-kit: ${what} failed`, { error }),
    )
    this.#tasks.add(tracked)
    void tracked.finally(() => this.#tasks.delete(tracked))
  }
}

function resolveL1(options: L1Options): Required<L1Options> {
  return {
    maxEntries: checkInt('l1.maxEntries', options.maxEntries ?? DEFAULTS.l1MaxEntries, 1),
    maxTtlMs: checkInt('l1.maxTtlMs', options.maxTtlMs ?? DEFAULTS.l1MaxTtlMs, 1),
  }
}

function decode<T>(serializer: Serializer, payload: Payload): T | undefined {
  return payload === null ? undefined : (serializer.deserialize(payload) as T)
}

/** Creates a {@link ReadThroughCache}. Invalid options throw `E_CACHE_INVALID_OPTION` here. */
export function createCache(options: CacheOptions): ReadThroughCache {
  return new ReadThroughCache(options)
}
