import { SyncKitError } from './errors.js'

/** A Postgres log sequence number as a 64-bit unsigned integer. */
export type Lsn = bigint

const LSN_RE = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/
const MAX = (1n << 64n) - 1n

/**
 * Parses `hi/lo` (e.g. `16/B374D848`) into `(hi << 32n) + lo`. Comparing LSNs as strings sorts
 * wrongly at every 4 GiB boundary (`'0/FFFFFFFF' > '1/0'`), so the kit only ever compares these.
 */
export function parseLsn(text: string): Lsn {
  const m = LSN_RE.exec(text)
  if (!m?.[1] || !m[2]) {
    throw new SyncKitError('E_SYNC_INVALID_LSN', `"${text}" is not an LSN (expected hex "hi/lo")`, {
      context: { lsn: text },
    })
  }
  return (BigInt(`0x${m[1]}`) << 32n) + BigInt(`0x${m[2]}`)
}

/** Formats an LSN the way Postgres prints it: upper-case hex, no leading zeros. */
export function formatLsn(lsn: Lsn): string {
  if (lsn < 0n || lsn > MAX) {
    throw new SyncKitError('E_SYNC_INVALID_LSN', `${lsn} is outside the 64-bit LSN range`)
  }
  const hi = lsn >> 32n
  const lo = lsn & 0xffffffffn
  return `${hi.toString(16).toUpperCase()}/${lo.toString(16).toUpperCase()}`
}

/** Negative when `a` is before `b`, 0 when equal, positive when after. Accepts text or bigint. */
export function compareLsn(a: Lsn | string, b: Lsn | string): number {
  const x = typeof a === 'string' ? parseLsn(a) : a
  const y = typeof b === 'string' ? parseLsn(b) : b
  return x < y ? -1 : x > y ? 1 : 0
}

/** The later of two LSNs. */
export function maxLsn(a: Lsn, b: Lsn): Lsn {
  return a > b ? a : b
}
