import { FaultlineError } from './errors.js'

/**
 * A Postgres log sequence number in the text form Postgres prints (`pg_current_wal_lsn()`):
 * upper-case hex `HI/LO`, e.g. `16/B374D848`. Every Faultline package returns LSNs in this form,
 * so they travel in JSON, headers and tokens as they are.
 */
export type Lsn = string

/** What every public entry point accepts as an LSN: the text form, or a 64-bit BigInt. */
export type LsnInput = Lsn | bigint

const LSN_PATTERN = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/
const MAX_LSN = (1n << 64n) - 1n

/**
 * The LSN as a BigInt (`hi << 32 | lo`), or `undefined` when `input` is not an LSN. For callers
 * that raise their own error; others use {@link parseLsn}.
 */
export function tryParseLsn(input: unknown): bigint | undefined {
  if (typeof input === 'bigint') return input >= 0n && input <= MAX_LSN ? input : undefined
  if (typeof input !== 'string') return undefined
  const match = LSN_PATTERN.exec(input)
  if (match?.[1] === undefined || match[2] === undefined) return undefined
  return (BigInt(`0x${match[1]}`) << 32n) + BigInt(`0x${match[2]}`)
}

/**
 * The LSN as a BigInt, the form that compares correctly: as text, `'F/0' > '10/0'`.
 * @throws FaultlineError `E_COMMON_INVALID_LSN` when `input` is not an LSN.
 */
export function parseLsn(input: LsnInput): bigint {
  const value = tryParseLsn(input)
  if (value === undefined) {
    throw new FaultlineError(
      'E_COMMON_INVALID_LSN',
      `${describe(input)} is not a Postgres LSN: pass text like "16/B374D848" or a BigInt from 0 to 2^64-1.`,
      { context: { value: describe(input) } },
    )
  }
  return value
}

/** The canonical text form (upper-case hex, no leading zeros), so equal LSNs are equal strings. */
export function formatLsn(input: LsnInput): Lsn {
  const value = parseLsn(input)
  return `${(value >> 32n).toString(16).toUpperCase()}/${(value & 0xffffffffn).toString(16).toUpperCase()}`
}

/** Negative, zero or positive as `a` is before, equal to or after `b`. */
export function compareLsn(a: LsnInput, b: LsnInput): number {
  const x = parseLsn(a)
  const y = parseLsn(b)
  return x < y ? -1 : x > y ? 1 : 0
}

/** The later of two LSNs, in the canonical text form. */
export function maxLsn(a: LsnInput, b: LsnInput): Lsn {
  return formatLsn(compareLsn(a, b) >= 0 ? a : b)
}

/** True when `input` is an LSN in either form. */
export function isLsn(input: unknown): input is LsnInput {
  return tryParseLsn(input) !== undefined
}

function describe(input: unknown): string {
  return typeof input === 'bigint' ? `${input}n` : (JSON.stringify(input) ?? String(input))
}
