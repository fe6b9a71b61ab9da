import { CacheKitError } from './errors.js'

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
  /** Longest key accepted. @default 1_024 */
  maxKeyLength?: number
  /** Reloads after a fill is refused as behind the watermark (e.g. a lagging replica). @default 2 */
  fenceRetries?: number
}

/** Resolved per-call options. */
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

/** Resolved cache tunables. */
export type ResolvedTunables = Required<CacheTunables>

/** Every default in one place. */
export const DEFAULTS = Object.freeze({
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
  maxKeyLength: 1_024,
  fenceRetries: 2,
  l1MaxEntries: 10_000,
  l1MaxTtlMs: 60_000,
  maxTagLength: 256,
} as const)

function bad(option: string, value: unknown, rule: string): CacheKitError {
  return new CacheKitError(
    'E_CACHE_INVALID_OPTION',
    `Option ${option} must be ${rule}; got ${String(value)}.`,
    {
      context: { option, value },
    },
  )
}

/** Throws unless `value` is an integer in [min, max]. */
export function checkInt(
  option: string,
  value: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw bad(option, value, `an integer from ${min} to ${max}`)
  }
  return value
}

function checkFraction(option: string, value: number, allowZero: boolean): number {
  const ok = typeof value === 'number' && (allowZero ? value >= 0 : value > 0) && value < 1
  if (!ok) throw bad(option, value, `a number in ${allowZero ? '[' : '('}0, 1)`)
  return value
}

function checkTags(tags: readonly string[]): readonly string[] {
  if (!Array.isArray(tags)) throw bad('tags', tags, 'an array of strings')
  for (const tag of tags) {
    if (typeof tag !== 'string' || tag.length === 0 || tag.length > DEFAULTS.maxTagLength) {
      throw bad('tags', tag, `non-empty strings of at most ${DEFAULTS.maxTagLength} characters`)
    }
  }
  return [...new Set<string>(tags)].sort()
}

/** Merges per-call options over the cache defaults and validates the result. */
export function resolveLoadOptions(
  base: ResolvedLoadOptions,
  call: GetOrLoadOptions = {},
): ResolvedLoadOptions {
  const o = { ...base, ...stripUndefined(call) }
  const hard = checkInt('hardTimeoutMs', o.hardTimeoutMs, 1, 3_600_000)
  if (o.softTimeoutMs !== undefined) checkInt('softTimeoutMs', o.softTimeoutMs, 0, hard)
  return {
    ttlMs: checkInt('ttlMs', o.ttlMs, 1),
    graceMs: checkInt('graceMs', o.graceMs, 0),
    softTimeoutMs: o.softTimeoutMs,
    hardTimeoutMs: hard,
    eagerRefresh:
      o.eagerRefresh === undefined
        ? undefined
        : checkFraction('eagerRefresh', o.eagerRefresh, false),
    jitter: checkFraction('jitter', o.jitter, true),
    negativeTtlMs: checkInt('negativeTtlMs', o.negativeTtlMs, 0),
    tags: checkTags(o.tags),
  }
}

/** Resolves and validates the cache-level tunables. */
export function resolveTunables(t: CacheTunables, hardTimeoutMs: number): ResolvedTunables {
  const o = { ...DEFAULTS, ...stripUndefined(t) }
  const tombstoneTtlMs = checkInt('tombstoneTtlMs', o.tombstoneTtlMs, 1)
  if (tombstoneTtlMs <= 2 * hardTimeoutMs) {
    throw bad(
      'tombstoneTtlMs',
      tombstoneTtlMs,
      `greater than 2 × hardTimeoutMs (${2 * hardTimeoutMs})`,
    )
  }
  return {
    tombstoneTtlMs,
    leaseTtlMs: checkInt('leaseTtlMs', o.leaseTtlMs, 1),
    leaseWaitMs: checkInt('leaseWaitMs', o.leaseWaitMs, 0),
    leasePollMs: checkInt('leasePollMs', o.leasePollMs, 1),
    storeTimeoutMs: checkInt('storeTimeoutMs', o.storeTimeoutMs, 1),
    storeRetryAfterMs: checkInt('storeRetryAfterMs', o.storeRetryAfterMs, 0),
    busTimeoutMs: checkInt('busTimeoutMs', o.busTimeoutMs, 1),
    maxKeyLength: checkInt('maxKeyLength', o.maxKeyLength, 1, 65_536),
    fenceRetries: checkInt('fenceRetries', o.fenceRetries, 0, 10),
  }
}

/** Drops keys whose value is `undefined`, so they do not override defaults. */
export function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
}
