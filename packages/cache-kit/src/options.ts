import { checkFraction, checkInt, invalidOption, stripUndefined } from './validate.js'

/** Per-call read-through options; each falls back to the cache's defaults. */
export interface GetOrLoadOptions {
  /** How long a loaded value is fresh. @default 60_000 */
  ttlMs?: number
  /** How long after expiry a value may still be served while refreshing or when the loader fails. @default 0 */
  graceMs?: number
  /**
   * With a stale value in hand, wait this long for the loader, then return the stale value and
   * let the load finish in the background. `undefined` waits up to `hardTimeoutMs`. @default undefined
   */
  softTimeoutMs?: number | undefined
  /** Give up on the loader after this long (its `signal` aborts and nothing is cached). @default 10_000 */
  hardTimeoutMs?: number
  /** Fraction of the TTL after which a hit refreshes in the background, in (0, 1). @default undefined */
  eagerRefresh?: number | undefined
  /** Fraction of the TTL removed at random, in [0, 1), so entries do not expire together. @default 0 */
  jitter?: number
  /** How long a "not found" (loader returned `undefined`) is cached; 0 disables. @default 0 */
  negativeTtlMs?: number
  /** Tags for {@link ReadThroughCache.invalidateTags}. @default [] */
  tags?: readonly string[]
}

/** Tunables of the cache itself. */
export interface CacheTunables {
  /**
   * How long a key's tombstone (its invalidation watermark) lives, and so how long a miss's fill
   * ticket stays valid: a fill that lands later is refused (`ticket-expired`). Must exceed
   * 2 × `hardTimeoutMs`, and be the same on every node that shares the store. @default 600_000
   */
  tombstoneTtlMs?: number
  /** Lifetime of a fill lease; a dead holder is taken over after this. @default 5_000 */
  leaseTtlMs?: number
  /** How long a caller waits for another node's lease before loading itself. @default 10_000 */
  leaseWaitMs?: number
  /** How often a waiting caller polls for the lease holder's fill. @default 25 */
  leasePollMs?: number
  /** Per-operation timeout on the L2 store; a timed-out store counts as unavailable. @default 1_000 */
  storeTimeoutMs?: number
  /** After a store failure, skip L2 for this long before trying again (circuit breaker). @default 1_000 */
  storeRetryAfterMs?: number
  /**
   * How long `invalidate()`/`applyChange()` wait for the bus to take an invalidation before they
   * reject (retryably) with `E_CACHE_BUS_UNAVAILABLE`. @default 1_000
   */
  busTimeoutMs?: number
  /**
   * How long `ready()` waits for the store to answer and the bus to subscribe before it rejects.
   * @default 5_000
   */
  readyTimeoutMs?: number
  /** Longest key accepted. @default 1_024 */
  maxKeyLength?: number
  /** Reloads after a fill is refused as behind the watermark (e.g. a lagging replica). @default 2 */
  fenceRetries?: number
}

/** @internal Resolved per-call options. */
export interface ResolvedLoadOptions {
  readonly ttlMs: number
  readonly graceMs: number
  readonly softTimeoutMs: number | undefined
  readonly hardTimeoutMs: number
  readonly eagerRefresh: number | undefined
  readonly jitter: number
  readonly negativeTtlMs: number
  readonly tags: readonly string[]
}

/** @internal Resolved cache tunables. */
export type ResolvedTunables = Required<CacheTunables>

/** Every default of a cache, in one place: per-call defaults, tunables and L1 limits. */
export const CACHE_DEFAULTS = Object.freeze({
  ttlMs: 60_000,
  graceMs: 0,
  softTimeoutMs: undefined,
  hardTimeoutMs: 10_000,
  eagerRefresh: undefined,
  jitter: 0,
  negativeTtlMs: 0,
  tags: [] as readonly string[],
  tombstoneTtlMs: 600_000,
  leaseTtlMs: 5_000,
  leaseWaitMs: 10_000,
  leasePollMs: 25,
  storeTimeoutMs: 1_000,
  storeRetryAfterMs: 1_000,
  busTimeoutMs: 1_000,
  readyTimeoutMs: 5_000,
  maxKeyLength: 1_024,
  fenceRetries: 2,
  l1MaxEntries: 10_000,
  l1MaxTtlMs: 60_000,
  maxTagLength: 256,
} as const)

function checkTags(tags: unknown): readonly string[] {
  if (!Array.isArray(tags)) throw invalidOption('tags', tags, 'an array of strings')
  for (const tag of tags as unknown[]) {
    if (typeof tag !== 'string' || tag.length === 0 || tag.length > CACHE_DEFAULTS.maxTagLength) {
      throw invalidOption(
        'tags',
        tag,
        `non-empty strings of at most ${CACHE_DEFAULTS.maxTagLength} characters`,
      )
    }
  }
  return [...new Set<string>(tags as string[])].sort()
}

/** @internal Merges per-call options over the cache defaults and validates the result. */
export function resolveLoadOptions(
  base: ResolvedLoadOptions,
  call: GetOrLoadOptions = {},
): ResolvedLoadOptions {
  if (typeof call !== 'object' || call === null) {
    throw invalidOption('options', call, 'an object of GetOrLoadOptions or undefined')
  }
  const merged = { ...base, ...stripUndefined(call) }
  const hard = checkInt('hardTimeoutMs', merged.hardTimeoutMs, 1, 3_600_000)
  if (merged.softTimeoutMs !== undefined) checkInt('softTimeoutMs', merged.softTimeoutMs, 0, hard)
  return {
    ttlMs: checkInt('ttlMs', merged.ttlMs, 1),
    graceMs: checkInt('graceMs', merged.graceMs, 0),
    softTimeoutMs: merged.softTimeoutMs,
    hardTimeoutMs: hard,
    eagerRefresh:
      merged.eagerRefresh === undefined
        ? undefined
        : checkFraction('eagerRefresh', merged.eagerRefresh, false),
    jitter: checkFraction('jitter', merged.jitter, true),
    negativeTtlMs: checkInt('negativeTtlMs', merged.negativeTtlMs, 0),
    tags: checkTags(merged.tags),
  }
}

/** @internal Resolves and validates the cache-level tunables. */
export function resolveTunables(tunables: CacheTunables, hardTimeoutMs: number): ResolvedTunables {
  const merged = { ...CACHE_DEFAULTS, ...stripUndefined(tunables) }
  const tombstoneTtlMs = checkInt('tombstoneTtlMs', merged.tombstoneTtlMs, 1)
  if (tombstoneTtlMs <= 2 * hardTimeoutMs) {
    throw invalidOption(
      'tombstoneTtlMs',
      tombstoneTtlMs,
      `greater than 2 × hardTimeoutMs (${2 * hardTimeoutMs})`,
    )
  }
  return {
    tombstoneTtlMs,
    leaseTtlMs: checkInt('leaseTtlMs', merged.leaseTtlMs, 1),
    leaseWaitMs: checkInt('leaseWaitMs', merged.leaseWaitMs, 0),
    leasePollMs: checkInt('leasePollMs', merged.leasePollMs, 1),
    storeTimeoutMs: checkInt('storeTimeoutMs', merged.storeTimeoutMs, 1),
    storeRetryAfterMs: checkInt('storeRetryAfterMs', merged.storeRetryAfterMs, 0),
    busTimeoutMs: checkInt('busTimeoutMs', merged.busTimeoutMs, 1),
    readyTimeoutMs: checkInt('readyTimeoutMs', merged.readyTimeoutMs, 1, 3_600_000),
    maxKeyLength: checkInt('maxKeyLength', merged.maxKeyLength, 1, 65_536),
    fenceRetries: checkInt('fenceRetries', merged.fenceRetries, 0, 10),
  }
}
