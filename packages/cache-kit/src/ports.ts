import type { Lsn } from '@faultline/common'

/**
 * One cached entry as the tiers store it. `payload` is the serialized value, or `null` for a
 * cached "not found" (negative entry). Times are epoch milliseconds from the writer's clock.
 * LSNs in every port type are canonical text (`formatLsn()` from `@faultline/common`): the cache
 * converts what callers pass before an adapter sees it, so an adapter may compare them as equal
 * strings, but must order them numerically (`compareLsn()`), never as text.
 */
export interface StoredEntry {
  readonly payload: string | null
  /** Row version of the value, when the loader reported one. */
  readonly version?: number
  /** Source LSN the value was read at, when the loader reported one. */
  readonly lsn?: Lsn
  /** Fresh until this time. */
  readonly freshUntil: number
  /** After this time a hit triggers a background refresh (eager refresh). */
  readonly refreshAt: number
  /** Servable as stale (grace) until this time; the store may drop it afterwards. */
  readonly graceUntil: number
  readonly tags: readonly string[]
}

/** The highest invalidation a key has seen. */
export interface Watermark {
  readonly version?: number
  readonly lsn?: Lsn
}

/**
 * Proof of what a reader saw before it loaded: a fill is accepted only if no invalidation of the
 * key (or of its tags) happened since. A ticket is void unless the state it was read against still
 * exists: the store's dataset (`epoch`) and every tombstone written since (`validUntil`).
 * Opaque to the core.
 */
export interface FillTicket {
  readonly key: string
  readonly generation: string
  readonly tagGenerations: readonly string[]
  readonly tags: readonly string[]
  /**
   * The identity of the store's dataset at the read. A dataset that lost its data (Redis restarted
   * without persistence, `FLUSHALL`) has a new one, and every older ticket is void.
   */
  readonly epoch: string
  /**
   * The store's clock at the read plus {@link StoreReadOptions.ticketTtlMs}. A tombstone written
   * after the read lives at least until then, so past it the ticket cannot prove anything.
   */
  readonly validUntil: number
}

/** Result of {@link CacheStore.read}. */
export interface StoreReadResult {
  readonly entry: StoredEntry | undefined
  readonly ticket: FillTicket
  readonly watermark: Watermark
  /** `acquired`: this caller holds the fill lease; `held`: another caller does. */
  readonly lease: 'acquired' | 'held' | 'none'
}

/**
 * Why a fill was refused. `invalidated`: the ticket's key, tags or dataset changed since the read;
 * `ticket-expired`: the fill came later than the ticket's `validUntil`.
 */
export type FillRejectReason =
  | 'invalidated'
  | 'ticket-expired'
  | 'version-behind'
  | 'lsn-behind'
  | 'older-than-cached'
  | 'store-unavailable'
  | 'local-invalidation'

/** Result of {@link CacheStore.fill}. */
export type FillResult =
  { readonly ok: true } | { readonly ok: false; readonly reason: FillRejectReason }

/** A request to raise a key's invalidation watermark. */
export interface InvalidateRequest {
  readonly version?: number
  readonly lsn?: Lsn
  /**
   * `force`: always void the entry (explicit invalidation). `change`: a change-stream event; a no-op
   * unless it is newer than the watermark, and it keeps an entry that is already at least as new.
   */
  readonly mode: 'force' | 'change'
  readonly tombstoneTtlMs: number
}

/** Result of {@link CacheStore.invalidate}. */
export interface InvalidateResult {
  /** False when a `change` was not newer than the watermark (idempotent replay). */
  readonly applied: boolean
  readonly watermark: Watermark
}

/**
 * The L2 port. Implementations must make each method atomic with respect to the others for the
 * same key (Redis: one Lua script per call, or one plain command):
 * - `peek` returns the live entry only (a hit needs nothing else). An entry is live only if a
 *   fenced `fill` wrote it and no `invalidate` voided it since, so a peek never sees a tombstoned
 *   entry; misses and stale entries go through `read` for the ticket and the lease;
 * - `read` hands out a {@link FillTicket} and, when asked and the entry is not fresh, a lease
 *   (`SET NX PX`: at most one holder per key until it releases or the lease TTL passes);
 * - `fill` stores an entry only if the ticket's generations and epoch still match, the store's
 *   clock is before the ticket's `validUntil`, the entry's version/LSN is not behind the
 *   watermark, and it is not older than the stored entry; it releases the caller's lease either
 *   way. A missing tombstone must never make an old ticket valid again: tombstones expire
 *   (`validUntil` covers that) and a dataset can lose them all (`epoch` covers that);
 * - `invalidate` never lowers a watermark, replaces the entry with a tombstone (a new generation
 *   that voids all outstanding tickets and leases), and is idempotent.
 * Errors must be {@link CacheKitError}s (`E_CACHE_STORE_UNAVAILABLE`, retryable).
 */
export interface CacheStore {
  /**
   * Where the store lives, for logs and `health()`: `host:port`, never credentials. Optional: an
   * in-process store has none.
   */
  readonly endpoint?: string
  /**
   * One round trip to the backend, for `ready()` and health: resolves when it answers, rejects with
   * `E_CACHE_STORE_UNAVAILABLE` when it does not. Optional: a store without one counts as up until
   * a call fails.
   */
  ping?(): Promise<void>
  peek(key: string): Promise<StoredEntry | undefined>
  read(key: string, options: StoreReadOptions): Promise<StoreReadResult>
  fill(ticket: FillTicket, entry: StoredEntry, options: StoreFillOptions): Promise<FillResult>
  invalidate(key: string, request: InvalidateRequest): Promise<InvalidateResult>
  /** Voids every key carrying one of the tags and every outstanding ticket that names a tag. */
  invalidateTags(tags: readonly string[], tombstoneTtlMs: number): Promise<string[]>
  /** Releases a lease if `owner` still holds it. */
  releaseLease(key: string, owner: string): Promise<void>
  /** Closes only what the adapter opened. */
  close(): Promise<void>
}

/** Options for {@link CacheStore.read}. */
export interface StoreReadOptions {
  readonly tags: readonly string[]
  readonly now: number
  /** Ask for the fill lease under this owner id when the entry is not fresh. */
  readonly leaseOwner?: string
  readonly leaseTtlMs?: number
  /** Ask for the lease even when the entry is fresh (eager refresh). */
  readonly forceLease?: boolean
  /**
   * How long the ticket stays valid: at most the shortest tombstone TTL in use, so that every
   * invalidation after the read is still visible to a fill within it.
   */
  readonly ticketTtlMs: number
}

/** Options for {@link CacheStore.fill}. */
export interface StoreFillOptions {
  /** Physical lifetime in the store (TTL plus grace). */
  readonly ttlMs: number
  readonly leaseOwner?: string
}

/** An invalidation fanned out to other nodes' L1. */
export interface InvalidationMessage {
  /** Node id of the sender; a node ignores its own messages. */
  readonly origin: string
  readonly keys: readonly string[]
  readonly tags?: readonly string[]
  readonly version?: number
  readonly lsn?: Lsn
}

/** Connection state a bus reports. `down` means messages may have been missed. */
export type BusState = 'up' | 'down'

/** Handlers a subscriber passes to {@link InvalidationBus.subscribe}. */
export interface BusHandlers {
  onMessage(message: InvalidationMessage): void
  /** Called on every transition. After `down`, messages published meanwhile may be lost. */
  onState(state: BusState): void
}

/**
 * Fan-out of invalidations to every node's L1. At-most-once: the core treats `down` as "messages
 * may have been missed" and stops trusting L1 until `up`, then flushes it.
 */
export interface InvalidationBus {
  /** Where the bus connects, for logs and `health()`: `host:port`, never credentials. */
  readonly endpoint?: string
  publish(message: InvalidationMessage): Promise<void>
  subscribe(handlers: BusHandlers): Promise<() => Promise<void>>
  /** Current state; `up` only while a subscription is live. */
  readonly state: BusState
  close(): Promise<void>
}
