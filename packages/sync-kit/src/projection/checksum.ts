import { createHash } from 'node:crypto'
import type { JsonValue } from '../envelope.js'

/** JSON with object keys sorted at every level, so equal values print equally. */
export function canonicalJson(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort()
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k] as JsonValue)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

/** An order-independent digest of a set of rows. */
export interface RowsDigest {
  /** sha256 (hex) of the sorted canonical rows. */
  readonly digest: string
  readonly count: number
}

/** Digests rows regardless of their order (sorted canonical JSON, one per line). */
export function digestRows(rows: readonly JsonValue[]): RowsDigest {
  const lines = rows.map(canonicalJson).sort()
  const hash = createHash('sha256')
  for (const line of lines) hash.update(line).update('\n')
  return { digest: hash.digest('hex'), count: lines.length }
}

/** The outcome of a projection's `checksum()`. */
export interface ChecksumResult {
  readonly readModel: RowsDigest
  /** Present when a source was given. */
  readonly source?: RowsDigest
  /** `readModel.digest === source.digest`; present when a source was given. */
  readonly equal?: boolean
  /** Up to 10 canonical rows found on one side only, to start an investigation. */
  readonly onlyInReadModel?: readonly string[]
  readonly onlyInSource?: readonly string[]
}

/** Compares read-model rows with the rows the source implies. */
export function compareRows(
  readModel: readonly JsonValue[],
  source: readonly JsonValue[],
): ChecksumResult {
  const a = digestRows(readModel)
  const b = digestRows(source)
  if (a.digest === b.digest) return { readModel: a, source: b, equal: true }
  const left = new Set(readModel.map(canonicalJson))
  const right = new Set(source.map(canonicalJson))
  return {
    readModel: a,
    source: b,
    equal: false,
    onlyInReadModel: [...left].filter((r) => !right.has(r)).slice(0, 10),
    onlyInSource: [...right].filter((r) => !left.has(r)).slice(0, 10),
  }
}
