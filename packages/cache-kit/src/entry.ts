import type { CheckedSource } from './loader.js'
import type { ResolvedLoadOptions } from './options.js'
import type { StoredEntry } from './ports.js'
import type { Serializer } from './serializer.js'

/** How usable an entry is at a given time. */
export type EntryState = 'fresh' | 'grace' | 'expired'

/** The state of `entry` at `now`. */
export function entryState(entry: StoredEntry, now: number): EntryState {
  if (entry.freshUntil > now) return 'fresh'
  return entry.graceUntil > now ? 'grace' : 'expired'
}

/** True when a fresh entry is past its eager-refresh point. */
export function needsEagerRefresh(entry: StoredEntry, now: number): boolean {
  return entry.refreshAt < entry.freshUntil && now >= entry.refreshAt && now < entry.freshUntil
}

/**
 * Builds the stored form of a loaded value. Serializing happens here, before anything is written,
 * so an unserializable value fails the call and leaves both tiers untouched.
 */
export function buildEntry(
  value: unknown,
  source: CheckedSource,
  options: ResolvedLoadOptions,
  serializer: Serializer,
  now: number,
  random: () => number,
): StoredEntry {
  const negative = value === undefined
  const baseTtl = negative ? options.negativeTtlMs : options.ttlMs
  const ttl = Math.max(1, Math.round(baseTtl * (1 - random() * options.jitter)))
  const freshUntil = now + ttl
  const refreshAt =
    options.eagerRefresh === undefined || negative
      ? freshUntil
      : now + Math.floor(ttl * options.eagerRefresh)
  return {
    payload: negative ? null : serializer.serialize(value),
    ...(source.version !== undefined && { version: source.version }),
    ...(source.lsn !== undefined && { lsn: source.lsn }),
    freshUntil,
    refreshAt,
    graceUntil: freshUntil + (negative ? 0 : options.graceMs),
    tags: options.tags,
  }
}

/** The value an entry holds (`undefined` for a cached "not found"). */
export function readEntry(entry: StoredEntry, serializer: Serializer): unknown {
  return entry.payload === null ? undefined : serializer.deserialize(entry.payload)
}
