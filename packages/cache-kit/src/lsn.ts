import { CacheKitError } from './errors.js'

/** A Postgres log sequence number in its text form, e.g. `0/3000148`. */
export type Lsn = string

const LSN_PATTERN = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/

/**
 * Parses an LSN to a BigInt (`hi << 32 | lo`). Strings must never be compared directly:
 * `'0/FFFFFFFF' > '1/0'` as text.
 */
export function parseLsn(lsn: Lsn): bigint {
  const match = LSN_PATTERN.exec(lsn)
  if (!match) {
    throw new CacheKitError('E_CACHE_INVALID_CHANGE', `"${lsn}" is not an LSN like "0/3000148".`, {
      context: { reason: 'lsn', value: lsn },
    })
  }
  return (BigInt(`0x${match[1]}`) << 32n) + BigInt(`0x${match[2]}`)
}

/** Formats a BigInt LSN in Postgres's canonical upper-case `HI/LO` form. */
export function formatLsn(value: bigint): Lsn {
  const hi = (value >> 32n).toString(16).toUpperCase()
  const lo = (value & 0xffffffffn).toString(16).toUpperCase()
  return `${hi}/${lo}`
}

/** Canonical form of an LSN, so equal LSNs are equal strings (the Redis scripts rely on it). */
export function normalizeLsn(lsn: Lsn): Lsn {
  return formatLsn(parseLsn(lsn))
}

/** Negative, zero or positive as `a` is before, equal to or after `b`. */
export function compareLsn(a: Lsn, b: Lsn): number {
  const x = parseLsn(a)
  const y = parseLsn(b)
  return x < y ? -1 : x > y ? 1 : 0
}
