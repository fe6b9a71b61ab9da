import type { WireMessage } from './envelope.js'

/**
 * The largest message a Kafka broker and its topics take by default: `message.max.bytes` on the
 * broker and `max.message.bytes` on a topic are both 1,048,588 bytes (1 MiB plus the 12-byte log
 * overhead). The broker compares it with the whole record batch a message travels in.
 */
export const KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588

/** A v2 record batch's header, the base offset and length included (Kafka's RECORD_BATCH_OVERHEAD). */
const RECORD_BATCH_OVERHEAD = 61

/** Bytes of a signed zig-zag varint, as Kafka encodes record fields. */
function varintBytes(n: number): number {
  let z = n >= 0 ? n * 2 : -n * 2 - 1
  let bytes = 1
  while (z >= 0x80) {
    z = Math.floor(z / 0x80)
    bytes++
  }
  return bytes
}

/**
 * The size Kafka checks against `max.message.bytes` for a message sent alone, uncompressed: its
 * record batch (header, key, value, headers and their lengths). Several messages of one partition
 * sent together share one batch, so they count together.
 */
export function recordBatchBytes(
  keyBytes: number,
  valueBytes: number,
  headers: Readonly<Record<string, string>>,
): number {
  const names = Object.keys(headers)
  // attributes, timestamp delta and offset delta: one byte each for a batch's first record.
  let body = 3 + varintBytes(keyBytes) + keyBytes + varintBytes(valueBytes) + valueBytes
  body += varintBytes(names.length)
  for (const name of names) {
    const n = Buffer.byteLength(name)
    const v = Buffer.byteLength(headers[name]!)
    body += varintBytes(n) + n + varintBytes(v) + v
  }
  return RECORD_BATCH_OVERHEAD + varintBytes(body) + body
}

/** {@link recordBatchBytes} of a message. */
export function messageBytes(message: WireMessage): number {
  return recordBatchBytes(Buffer.byteLength(message.key), message.value.length, message.headers)
}
