import { randomFillSync } from 'node:crypto'

let lastMs = -1
let counter = 0

/**
 * A UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then a 12-bit counter that keeps ids made in the
 * same millisecond strictly increasing within this process, then 62 random bits.
 */
export function uuidv7(nowMs: number = Date.now()): string {
  let ms = Math.max(0, Math.floor(nowMs))
  if (ms <= lastMs) {
    // Same (or a backwards-stepped) millisecond: bump the counter so ids still sort.
    ms = lastMs
    counter++
    if (counter > 0xfff) {
      ms = lastMs + 1
      counter = 0
    }
  } else {
    counter = 0
  }
  lastMs = ms
  const bytes = randomFillSync(new Uint8Array(16))
  const hi = Math.floor(ms / 0x10000)
  bytes[0] = (hi >>> 24) & 0xff
  bytes[1] = (hi >>> 16) & 0xff
  bytes[2] = (hi >>> 8) & 0xff
  bytes[3] = hi & 0xff
  bytes[4] = (ms >>> 8) & 0xff
  bytes[5] = ms & 0xff
  bytes[6] = 0x70 | ((counter >>> 8) & 0x0f)
  bytes[7] = counter & 0xff
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f)
  const hex = Buffer.from(bytes).toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** True when `value` is a UUID string in canonical 8-4-4-4-12 form (any version). */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_RE.test(value)
}

/** The Unix-millisecond timestamp in a UUIDv7, or undefined when `id` is not a UUIDv7. */
export function uuidv7Timestamp(id: string): number | undefined {
  if (!isUuid(id) || id[14] !== '7') return undefined
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16)
}
