import { formatLsn, tryParseLsn, type Lsn } from '@faultline/common'
import { CacheKitError } from './errors.js'

/**
 * The canonical text of an LSN given at a public entry point (text or BigInt), so equal LSNs are
 * equal strings everywhere below (the Redis scripts and the wire format rely on it).
 * @throws CacheKitError `E_CACHE_INVALID_LSN` naming `field` (and `key`, when there is one).
 */
export function toLsn(input: unknown, field: string, key?: string): Lsn {
  const value = tryParseLsn(input)
  if (value === undefined) throw invalidLsn(input, field, key)
  return formatLsn(value)
}

/** {@link toLsn}, as a BigInt: for code that compares. */
export function toLsnValue(input: unknown, field: string, key?: string): bigint {
  const value = tryParseLsn(input)
  if (value === undefined) throw invalidLsn(input, field, key)
  return value
}

function invalidLsn(input: unknown, field: string, key: string | undefined): CacheKitError {
  const shown = show(input)
  const where = key === undefined ? field : `${field} for "${key}"`
  return new CacheKitError(
    'E_CACHE_INVALID_LSN',
    `${where} is ${shown}, which is not a Postgres LSN: pass text like "16/B374D848" (what pg_current_wal_lsn() prints) or a BigInt from 0 to 2^64-1.`,
    { context: { option: field, value: shown, ...(key !== undefined && { key }) } },
  )
}

function show(input: unknown): string {
  if (typeof input === 'bigint') return `${input}n`
  if (typeof input === 'string')
    return JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}…` : input)
  return input === undefined ? 'undefined' : typeof input
}
