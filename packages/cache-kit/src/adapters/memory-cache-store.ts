import { checkFill, isNewer, raiseWatermark, shouldDropEntry } from '../fence.js'
import { systemClock, type Clock } from '@faultline/common'
import type {
  CacheStore,
  FillRejectReason,
  FillResult,
  FillTicket,
  InvalidateRequest,
  InvalidateResult,
  StoreFillOptions,
  StoredEntry,
  StoreReadOptions,
  StoreReadResult,
  Watermark,
} from '../ports.js'
import { checkPort } from '../validate.js'

/** Options for {@link createMemoryCacheStore}. */
export interface MemoryCacheStoreOptions {
  /** Time source for expiry. @default systemClock */
  clock?: Clock | undefined
}

/**
 * Expired items are dropped when read, and every this many writes all maps are swept, so keys
 * that are written once and never read again do not pile up in a long-running process.
 */
const SWEEP_EVERY_WRITES = 1_024

interface Expiring<T> {
  value: T
  expiresAt: number
}

interface Meta {
  generation: string
  watermark: Watermark
}

/**
 * An in-process {@link CacheStore} with the same fencing as the Redis adapter. Each method runs
 * synchronously inside its promise, which makes it atomic. For tests and single-node use.
 * Create one with {@link createMemoryCacheStore}.
 */
export class MemoryCacheStore implements CacheStore {
  readonly #clock: Clock
  readonly #entries = new Map<string, Expiring<StoredEntry>>()
  readonly #meta = new Map<string, Expiring<Meta>>()
  readonly #leases = new Map<string, Expiring<string>>()
  readonly #tagMembers = new Map<string, Set<string>>()
  readonly #tagGenerations = new Map<string, Expiring<string>>()
  /** This store's dataset; it never loses its data while it lives, so the epoch never changes. */
  readonly #epoch = `m${Math.random().toString(36).slice(2)}`
  #counter = 0
  #writesSinceSweep = 0

  /** @internal Use {@link createMemoryCacheStore}. */
  constructor(options: MemoryCacheStoreOptions = {}) {
    const clock = options?.clock
    this.#clock =
      clock === undefined ? systemClock : checkPort<Clock>('clock', clock, 'a Clock', ['now'])
  }

  /** Items held, expired ones included until a read or a sweep drops them (for leak tests). */
  get size(): number {
    return (
      this.#entries.size +
      this.#meta.size +
      this.#leases.size +
      this.#tagGenerations.size +
      [...this.#tagMembers.values()].reduce((sum, members) => sum + members.size, 0)
    )
  }

  /** The store is in this process, so it always answers. */
  async ping(): Promise<void> {
    await Promise.resolve()
  }

  /** Counts a write and sweeps every expired item once enough writes have happened. */
  #wrote(): void {
    this.#writesSinceSweep += 1
    if (this.#writesSinceSweep < SWEEP_EVERY_WRITES) return
    this.#writesSinceSweep = 0
    const now = this.#clock.now()
    for (const map of [this.#entries, this.#meta, this.#leases, this.#tagGenerations]) {
      for (const [key, item] of map as Map<string, Expiring<unknown>>) {
        if (item.expiresAt <= now) map.delete(key)
      }
    }
    for (const [tag, members] of this.#tagMembers) {
      for (const key of members) if (!this.#entries.has(key)) members.delete(key)
      if (members.size === 0) this.#tagMembers.delete(tag)
    }
  }

  #live<T>(map: Map<string, Expiring<T>>, key: string): T | undefined {
    const item = map.get(key)
    if (item === undefined) return undefined
    if (item.expiresAt <= this.#clock.now()) {
      map.delete(key)
      return undefined
    }
    return item.value
  }

  #nextGeneration(): string {
    this.#counter += 1
    return `m${this.#counter}`
  }

  #tryLease(key: string, owner: string, ttlMs: number): 'acquired' | 'held' {
    if (this.#live(this.#leases, key) !== undefined) return 'held'
    this.#wrote()
    this.#leases.set(key, { value: owner, expiresAt: this.#clock.now() + ttlMs })
    return 'acquired'
  }

  async peek(key: string): Promise<StoredEntry | undefined> {
    await Promise.resolve()
    return this.#live(this.#entries, key)
  }

  async read(key: string, options: StoreReadOptions): Promise<StoreReadResult> {
    await Promise.resolve()
    const entry = this.#live(this.#entries, key)
    const meta = this.#live(this.#meta, key)
    let lease: StoreReadResult['lease'] = 'none'
    const fresh = entry !== undefined && entry.freshUntil > options.now
    if (options.leaseOwner !== undefined && (!fresh || options.forceLease === true)) {
      lease = this.#tryLease(key, options.leaseOwner, options.leaseTtlMs ?? 1000)
    }
    const tagGenerations = options.tags.map((tag) => this.#live(this.#tagGenerations, tag) ?? '')
    const ticket: FillTicket = {
      key,
      generation: meta?.generation ?? '',
      tagGenerations,
      tags: options.tags,
      epoch: this.#epoch,
      validUntil: this.#clock.now() + options.ticketTtlMs,
    }
    return { entry, ticket, watermark: meta?.watermark ?? {}, lease }
  }

  async fill(
    ticket: FillTicket,
    entry: StoredEntry,
    options: StoreFillOptions,
  ): Promise<FillResult> {
    await Promise.resolve()
    const { key } = ticket
    const meta = this.#live(this.#meta, key)
    const reason =
      this.#ticketRefusal(ticket, meta) ??
      checkFill(true, meta?.watermark ?? {}, this.#live(this.#entries, key), entry)
    if (options.leaseOwner !== undefined) this.#release(key, options.leaseOwner)
    if (reason !== undefined) return { ok: false, reason }
    this.#wrote()
    this.#entries.set(key, { value: entry, expiresAt: this.#clock.now() + options.ttlMs })
    for (const tag of entry.tags) {
      const members = this.#tagMembers.get(tag) ?? new Set<string>()
      members.add(key)
      this.#tagMembers.set(tag, members)
    }
    return { ok: true }
  }

  /** Why `ticket` can no longer prove a fill safe, if it cannot; the order the Lua script uses. */
  #ticketRefusal(ticket: FillTicket, meta: Meta | undefined): FillRejectReason | undefined {
    const valid =
      ticket.epoch === this.#epoch &&
      (meta?.generation ?? '') === ticket.generation &&
      ticket.tags.every(
        (tag, index) =>
          (this.#live(this.#tagGenerations, tag) ?? '') === ticket.tagGenerations[index],
      )
    if (!valid) return 'invalidated'
    return this.#clock.now() >= ticket.validUntil ? 'ticket-expired' : undefined
  }

  async invalidate(key: string, request: InvalidateRequest): Promise<InvalidateResult> {
    await Promise.resolve()
    const meta = this.#live(this.#meta, key)
    const watermark = meta?.watermark ?? {}
    if (request.mode === 'change' && !isNewer(watermark, request)) {
      return { applied: false, watermark }
    }
    this.#wrote()
    const raised = raiseWatermark(watermark, request)
    const expiresAt = this.#clock.now() + request.tombstoneTtlMs
    this.#meta.set(key, {
      value: { generation: this.#nextGeneration(), watermark: raised },
      expiresAt,
    })
    const current = this.#live(this.#entries, key)
    if (current !== undefined && shouldDropEntry(current, request)) this.#entries.delete(key)
    this.#leases.delete(key)
    return { applied: true, watermark: raised }
  }

  async invalidateTags(tags: readonly string[], tombstoneTtlMs: number): Promise<string[]> {
    await Promise.resolve()
    this.#wrote()
    const keys = new Set<string>()
    const expiresAt = this.#clock.now() + tombstoneTtlMs
    for (const tag of tags) {
      for (const key of this.#tagMembers.get(tag) ?? []) keys.add(key)
      this.#tagMembers.delete(tag)
      this.#tagGenerations.set(tag, { value: this.#nextGeneration(), expiresAt })
    }
    for (const key of keys) {
      const watermark = this.#live(this.#meta, key)?.watermark ?? {}
      this.#meta.set(key, { value: { generation: this.#nextGeneration(), watermark }, expiresAt })
      this.#entries.delete(key)
      this.#leases.delete(key)
    }
    return [...keys]
  }

  #release(key: string, owner: string): void {
    if (this.#live(this.#leases, key) === owner) this.#leases.delete(key)
  }

  async releaseLease(key: string, owner: string): Promise<void> {
    await Promise.resolve()
    this.#release(key, owner)
  }

  async close(): Promise<void> {
    await Promise.resolve()
  }
}

/**
 * Creates an in-process {@link CacheStore}: for tests, and for a single node that needs no shared
 * L2. Invalid options throw `E_CACHE_INVALID_OPTION`.
 */
export function createMemoryCacheStore(options: MemoryCacheStoreOptions = {}): MemoryCacheStore {
  return new MemoryCacheStore(options)
}
