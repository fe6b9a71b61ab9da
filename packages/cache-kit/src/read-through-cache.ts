import { randomUUID } from 'node:crypto'
import { readMany, type BatchLoader } from './batch.js'
import { BusLink } from './bus-link.js'
import { resolveCacheOptions, type CacheOptions } from './cache-options.js'
import type { CacheCore } from './core.js'
import { entryState, needsEagerRefresh, readEntry } from './entry.js'
import { CacheKitError } from './errors.js'
import { CacheEmitter, type CacheEventName, type CacheListener } from './events.js'
import { HealthMonitor, type CacheHealth } from './health.js'
import {
  Invalidator,
  type ChangeEvent,
  type ChangeResult,
  type InvalidateOptions,
} from './invalidator.js'
import { checkKey } from './keys.js'
import { L1Tier } from './l1-tier.js'
import type { Loader } from './loader.js'
import { LocalFence } from './local-fence.js'
import { attachMetrics } from './metrics.js'
import { resolveLoadOptions, type GetOrLoadOptions, type ResolvedLoadOptions } from './options.js'
import type { StoredEntry } from './ports.js'
import { pingStore, waitUntilReady } from './readiness.js'
import { NO_HIT, readL2, resolveKey, loadAndFill, tryL2Hit, type Payload } from './read-path.js'
import type { Serializer } from './serializer.js'
import { SingleFlight } from './single-flight.js'
import { trackCounts, type CacheCounts, type CacheStats } from './stats.js'
import { StoreGuard } from './store-guard.js'
import { withSpan } from './telemetry.js'

export type { CacheOptions } from './cache-options.js'

/**
 * A read-through cache over an L1 LRU and an L2 store, whose fills are fenced against concurrent
 * invalidations (see the package README for guarantees C1–C5 and their bounds). Create one with
 * {@link createCache}.
 */
export class ReadThroughCache {
  readonly #core: CacheCore
  readonly #defaults: ResolvedLoadOptions
  readonly #flights: SingleFlight<Payload>
  readonly #counts: CacheCounts
  readonly #invalidator: Invalidator
  readonly #bus: BusLink | undefined
  readonly #health: HealthMonitor
  readonly #closing = new AbortController()
  readonly #tasks = new Set<Promise<unknown>>()
  #leaseSequence = 0

  /** @internal Use {@link createCache}. */
  constructor(options: CacheOptions) {
    const resolved = resolveCacheOptions(options)
    const { clock, logger, tunables } = resolved
    const emitter = new CacheEmitter((error) =>
      logger.error({ err: error }, 'cache-kit: an event listener threw'),
    )
    const fence = new LocalFence({
      maxTombstones: Math.max(10_000, (resolved.l1?.maxEntries ?? 0) * 2),
      tombstoneTtlMs: tunables.tombstoneTtlMs,
      // Overflow only voids in-flight local fills (the epoch bump); L1 entries stay valid.
      onOverflow: () =>
        logger.debug('cache-kit: local tombstone table full; in-flight fills voided'),
    })
    this.#health = new HealthMonitor(
      { clock, logger, emitter },
      {
        store: resolved.store.endpoint,
        bus: resolved.bus?.endpoint,
        hasBus: resolved.bus !== undefined,
      },
    )
    const nodeId = resolved.nodeId ?? randomUUID()
    this.#core = {
      store: resolved.store,
      guard: new StoreGuard({
        timeoutMs: tunables.storeTimeoutMs,
        retryAfterMs: tunables.storeRetryAfterMs,
        endpoint: resolved.store.endpoint,
        onError: (operation, error) => emitter.emit('cache:store-error', { operation, error }),
        onState: (state, error) => this.#health.report('store', state, error),
      }),
      fence,
      l1: resolved.l1 === undefined ? undefined : new L1Tier(resolved.l1, fence, clock),
      serializer: resolved.serializer,
      clock,
      logger,
      emitter,
      tunables,
      tracer: resolved.tracer,
      random: resolved.random,
      closing: this.#closing.signal,
      nextLeaseOwner: () => `${nodeId}:${(this.#leaseSequence += 1)}`,
      background: (task, what) => this.#track(task, what),
      // After the current flight settles, so the refresh does not join it. Checked first so that
      // the common hit (not yet due for refresh) schedules nothing.
      onL2Hit: (key, entry, loader, opts) => {
        if (needsEagerRefresh(entry, clock.now()))
          setImmediate(() => this.#maybeRefresh(key, entry, loader, opts))
      },
    }
    this.#defaults = resolved.defaults
    this.#counts = trackCounts(emitter)
    if (resolved.metrics !== undefined) attachMetrics(emitter, resolved.metrics)
    this.#flights = new SingleFlight(fence)
    this.#invalidator = new Invalidator(this.#core, nodeId)
    if (resolved.bus !== undefined) {
      this.#bus = new BusLink(this.#core, resolved.bus, this.#health, (message) =>
        this.#invalidator.applyRemote(message),
      )
      this.#invalidator.attach(this.#bus)
    }
    this.#probeStore()
  }

  /**
   * Resolves once this cache can keep all its guarantees: the L2 store has answered a ping and,
   * with a bus, the bus subscription is live. Rejects, retryably, after `readyTimeoutMs` with
   * `E_CACHE_STORE_UNAVAILABLE` or `E_CACHE_BUS_UNAVAILABLE` naming the endpoint that is not
   * there. Use it as a readiness probe: reads work before and without it, falling back to the
   * loader, but with no L2 and (while the bus is down) no L1.
   */
  async ready(): Promise<void> {
    this.#assertOpen()
    await waitUntilReady(this.#core, this.#health, this.#bus)
  }

  /** Whether the store answers and the bus is subscribed, with their endpoints; see `ready()`. */
  health(): CacheHealth {
    return this.#health.snapshot()
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
    const unique = [...new Set(keys)].map((key) => checkKey(key, this.#core.tunables.maxKeyLength))
    const opts = resolveLoadOptions(this.#defaults, options)
    const payloads = await readMany(this.#core, unique, batchLoader, opts, (key) =>
      this.#l1Get(key),
    )
    return new Map(
      unique.map((key) => [key, decode<T>(this.#core.serializer, payloads.get(key) ?? null)]),
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
      busState: this.#bus === undefined ? 'none' : this.#bus.state,
      storeAvailable: this.#core.guard.available,
    }
  }

  /**
   * Stops the bus subscription, aborts loads in flight (their signal fires and they reject with
   * `E_CACHE_CLOSED`) and waits for background work to settle. Does not close the store or bus:
   * the caller owns them.
   */
  async close(): Promise<void> {
    if (this.#closing.signal.aborted) return
    this.#closing.abort()
    await this.#bus?.close()
    await Promise.allSettled([...this.#tasks])
  }

  /**
   * The L1 entry for `key`, or none while the bus is down: an invalidation may have been missed,
   * so the entry is then neither a hit nor a stale fallback (C2).
   */
  #l1Get(key: string): StoredEntry | undefined {
    if (this.#bus !== undefined && this.#bus.state !== 'up') return undefined
    return this.#core.l1?.get(key)
  }

  #assertOpen(): void {
    if (this.#closing.signal.aborted)
      throw new CacheKitError('E_CACHE_CLOSED', 'The cache is closed: create a new one.')
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

  /**
   * Pings the store once at construction, so a wrong URL or an unreachable store is logged (and
   * shows in `health()` and the metrics) at startup, not at the first read. Not tracked as
   * background work: `close()` need not wait for it.
   */
  #probeStore(): void {
    if (this.#core.store.ping === undefined) return
    void this.#core.guard.probe('ping', () => pingStore(this.#core.store)).catch(() => undefined)
  }

  #track(task: Promise<unknown>, what: string): void {
    const tracked = task.catch((error: unknown) =>
      this.#core.logger.warn({ err: error }, `cache-kit: ${what} failed`),
    )
    this.#tasks.add(tracked)
    void tracked.finally(() => this.#tasks.delete(tracked))
  }
}

function decode<T>(serializer: Serializer, payload: Payload): T | undefined {
  return payload === null ? undefined : (serializer.deserialize(payload) as T)
}

/** Creates a {@link ReadThroughCache}. Invalid options throw `E_CACHE_INVALID_OPTION` here. */
export function createCache(options: CacheOptions): ReadThroughCache {
  return new ReadThroughCache(options)
}
