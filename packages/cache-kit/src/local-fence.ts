import { LRUCache } from 'lru-cache'
import { compareLsn } from '@faultline/common'
import type { StoredEntry, Watermark } from './ports.js'

/** What this node knew about a key when a load or an L2 read began. */
export interface LocalTicket {
  readonly epoch: number
  readonly generation: number
  readonly tagGenerations: readonly number[]
  readonly tags: readonly string[]
  /** Past this time a local tombstone written after the ticket may have expired: it is void. */
  readonly validUntil: number
}

interface Tombstone {
  generation: number
  watermark: Watermark
}

/** Options for {@link LocalFence}. */
export interface LocalFenceOptions {
  readonly maxTombstones: number
  readonly tombstoneTtlMs: number
  /** Called when a tombstone is evicted for space: every outstanding ticket is then void. */
  readonly onOverflow: () => void
  /** Monotonic time for ticket deadlines; tombstones expire on the same clock. @default performance.now */
  readonly now?: () => number
}

/**
 * In-process tombstones: the L1 counterpart of the store's generations. A local fill (into L1 or a
 * shared single-flight) is accepted only if no invalidation of its key or tags reached this node
 * since its ticket was taken. Evicting a tombstone for space bumps the epoch, which voids every
 * ticket, so a full table can cost hit ratio but never correctness. A tombstone that expires reads
 * like one never written, so a ticket is also void once it is as old as the tombstone TTL.
 */
export class LocalFence {
  #epoch = 0
  #sequence = 0
  readonly #keys: LRUCache<string, Tombstone>
  readonly #tags: LRUCache<string, number>
  readonly #now: () => number
  readonly #ttlMs: number

  constructor(options: LocalFenceOptions) {
    this.#now = options.now ?? (() => performance.now())
    this.#ttlMs = options.tombstoneTtlMs
    const dispose = (_value: unknown, _key: string, reason: LRUCache.DisposeReason): void => {
      if (reason === 'evict') {
        this.#epoch += 1
        options.onOverflow()
      }
    }
    const common = {
      max: options.maxTombstones,
      ttl: options.tombstoneTtlMs,
      ttlAutopurge: false,
      perf: { now: this.#now },
    }
    this.#keys = new LRUCache<string, Tombstone>({ ...common, dispose })
    this.#tags = new LRUCache<string, number>({ ...common, dispose })
  }

  /** Takes a ticket for `key` with `tags`. */
  ticket(key: string, tags: readonly string[]): LocalTicket {
    return {
      epoch: this.#epoch,
      generation: this.#keys.get(key)?.generation ?? 0,
      tagGenerations: tags.map((tag) => this.#tags.get(tag) ?? 0),
      tags,
      validUntil: this.#now() + this.#ttlMs,
    }
  }

  /** True if nothing invalidated the ticket's key or tags since it was taken. */
  isCurrent(key: string, ticket: LocalTicket): boolean {
    if (ticket.epoch !== this.#epoch || this.#now() >= ticket.validUntil) return false
    if ((this.#keys.get(key)?.generation ?? 0) !== ticket.generation) return false
    return ticket.tags.every(
      (tag, index) => (this.#tags.get(tag) ?? 0) === ticket.tagGenerations[index],
    )
  }

  /** True if `entry` is behind this node's watermark for `key`. */
  isBehind(key: string, entry: StoredEntry): boolean {
    const wm = this.#keys.get(key)?.watermark
    if (wm === undefined) return false
    if (entry.version !== undefined && wm.version !== undefined && entry.version < wm.version)
      return true
    return entry.lsn !== undefined && wm.lsn !== undefined && compareLsn(entry.lsn, wm.lsn) < 0
  }

  /** This node's watermark for `key` (what invalidations that reached it carried). */
  watermark(key: string): Watermark {
    return this.#keys.get(key)?.watermark ?? {}
  }

  /** Records an invalidation of `key`, raising its local watermark. */
  invalidateKey(key: string, watermark: Watermark = {}): void {
    this.#sequence += 1
    this.#keys.set(key, {
      generation: this.#sequence,
      watermark: mergeWatermarks(this.#keys.get(key)?.watermark ?? {}, watermark),
    })
  }

  /** Records an invalidation of a tag. */
  invalidateTag(tag: string): void {
    this.#sequence += 1
    this.#tags.set(tag, this.#sequence)
  }

  /** Voids every outstanding ticket. */
  bumpEpoch(): void {
    this.#epoch += 1
  }
}

/** The component-wise maximum of two watermarks. */
export function mergeWatermarks(first: Watermark, second: Watermark): Watermark {
  const version = maxDefined(first.version, second.version, (left, right) => left - right)
  const lsn = maxDefined(first.lsn, second.lsn, compareLsn)
  return { ...(version !== undefined && { version }), ...(lsn !== undefined && { lsn }) }
}

function maxDefined<T>(
  first: T | undefined,
  second: T | undefined,
  compare: (left: T, right: T) => number,
): T | undefined {
  if (first === undefined) return second
  if (second === undefined) return first
  return compare(first, second) >= 0 ? first : second
}
