import { LRUCache } from 'lru-cache'
import type { LocalFence, LocalTicket } from './local-fence.js'
import type { Clock } from '@faultline/common'
import type { StoredEntry } from './ports.js'

/** Options for the in-process L1 tier. */
export interface L1Options {
  /** Most entries kept. @default 10_000 */
  maxEntries?: number
  /**
   * Longest an entry lives in L1 whatever its TTL: the cap on how long a missed bus message can
   * leave an entry stale on this node. @default 60_000
   */
  maxTtlMs?: number
}

/**
 * The L1 tier: an LRU of serialized entries (the same form as L2, so both tiers read back alike).
 * Sets go through the {@link LocalFence}, so a fill that began before an invalidation never lands.
 */
export class L1Tier {
  readonly #lru: LRUCache<string, StoredEntry>
  readonly #byTag = new Map<string, Set<string>>()
  readonly #fence: LocalFence
  readonly #clock: Clock
  readonly #maxTtlMs: number

  constructor(options: Required<L1Options>, fence: LocalFence, clock: Clock) {
    this.#fence = fence
    this.#clock = clock
    this.#maxTtlMs = options.maxTtlMs
    this.#lru = new LRUCache<string, StoredEntry>({
      max: options.maxEntries,
      ttlAutopurge: false,
      // Read the injected clock on every check, so a fake clock moves L1 expiry too.
      ttlResolution: 0,
      perf: { now: () => clock.now() },
      dispose: (entry, key) => this.#untag(key, entry),
    })
  }

  get size(): number {
    return this.#lru.size
  }

  get(key: string): StoredEntry | undefined {
    return this.#lru.get(key)
  }

  /** Stores `entry` if `ticket` is still current and it is not behind the local watermark. */
  set(key: string, entry: StoredEntry, ticket: LocalTicket): boolean {
    if (!this.#fence.isCurrent(key, ticket) || this.#fence.isBehind(key, entry)) return false
    const ttl = Math.min(entry.graceUntil - this.#clock.now(), this.#maxTtlMs)
    if (ttl <= 0) return false
    this.#lru.set(key, entry, { ttl })
    for (const tag of entry.tags) {
      const keys = this.#byTag.get(tag) ?? new Set<string>()
      keys.add(key)
      this.#byTag.set(tag, keys)
    }
    return true
  }

  delete(key: string): void {
    this.#lru.delete(key)
  }

  /** Deletes every entry carrying one of `tags`. */
  deleteTags(tags: readonly string[]): void {
    for (const tag of tags) {
      for (const key of [...(this.#byTag.get(tag) ?? [])]) this.#lru.delete(key)
      this.#byTag.delete(tag)
    }
  }

  clear(): void {
    this.#lru.clear()
    this.#byTag.clear()
  }

  #untag(key: string, entry: StoredEntry): void {
    for (const tag of entry.tags) {
      const keys = this.#byTag.get(tag)
      keys?.delete(key)
      if (keys?.size === 0) this.#byTag.delete(tag)
    }
  }
}
