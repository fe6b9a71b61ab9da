import { CacheKitError, isCacheKitError } from '../errors.js'
import { formatLsn, parseLsn, type Lsn } from '../lsn.js'

/**
 * A read-your-writes token: the LSN a write's commit record ends at or before, in Postgres's text
 * form (`16/B374D848`). It travels through HTTP headers and JSON as a plain string.
 */
export type ReadToken = Lsn

/**
 * Parses a token to a 64-bit BigInt. Tokens are only ever compared as BigInts: as text,
 * `'0/FFFFFFFF' > '1/0'`, which would send a read to a replica 4 GiB of WAL behind.
 */
export function parseToken(token: unknown): bigint {
  if (typeof token !== 'string') {
    throw invalidToken(`must be an LSN string like "0/3000148"; got ${typeof token}`, token)
  }
  try {
    return parseLsn(token.trim())
  } catch (error) {
    if (!isCacheKitError(error)) throw error
    const shown = token.length > 40 ? `${token.slice(0, 40)}…` : token
    throw invalidToken(`"${shown}" is not an LSN like "0/3000148"`, shown, error)
  }
}

/** The token for a BigInt LSN (canonical upper-case `HI/LO`). */
export function toToken(lsn: bigint): ReadToken {
  return formatLsn(lsn)
}

/** The larger of two optional LSNs. */
export function maxLsn(a: bigint | undefined, b: bigint | undefined): bigint | undefined {
  if (a === undefined) return b
  if (b === undefined) return a
  return a >= b ? a : b
}

function invalidToken(why: string, value: unknown, cause?: unknown): CacheKitError {
  return new CacheKitError('E_CACHE_INVALID_TOKEN', `Read-your-writes token ${why}.`, {
    cause,
    context: { reason: 'token', value },
  })
}
