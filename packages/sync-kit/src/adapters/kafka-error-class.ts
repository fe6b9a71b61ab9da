import { KAFKA_ERROR_CODES, type KafkaErrorCode } from './kafka-error-table.js'

/** What a failed kafkajs call means, read from Kafka's own error code where the broker sent one. */
export interface KafkaFailure {
  /** The broker's protocol error; undefined when none came back (connection lost, timeout). */
  readonly kafka: KafkaErrorCode | undefined
  /** Whether the same request may succeed later. */
  readonly retriable: boolean
  /**
   * Set when the broker refuses the message(s) themselves, so no retry can ever succeed:
   * `too-large` (MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE) or `invalid` (INVALID_RECORD, e.g. no
   * key on a compacted topic; INVALID_TOPIC_EXCEPTION, a topic name Kafka does not allow).
   */
  readonly refused: 'too-large' | 'invalid' | undefined
}

const TOO_LARGE = new Set([10, 18])
const INVALID = new Set([17, 87])
const UNKNOWN_CODE = /Unknown error code (-?\d+)/

/** A kafkajs error and its causes, outermost first (retry wrappers keep the original as `cause`). */
function chain(err: unknown): unknown[] {
  const out = [err]
  for (let depth = 0; depth < 8; depth++) {
    const cause = (out[out.length - 1] as { cause?: unknown } | null)?.cause
    if (typeof cause !== 'object' || cause === null || out.includes(cause)) break
    out.push(cause)
  }
  return out
}

/** The Kafka error code a kafkajs protocol error carries; kafkajs says -99 for codes it does not know. */
function protocolCode(err: unknown): number | undefined {
  // KafkaJSProtocolError and its subclasses carry the code's name as `type` (a connection
  // error's `code` is a string such as ECONNREFUSED).
  const e = err as { type?: unknown; code?: unknown; message?: unknown } | null
  if (typeof e?.type !== 'string' || typeof e.code !== 'number') return undefined
  if (e.code !== -99) return e.code
  const m = UNKNOWN_CODE.exec(String(e.message))
  return m ? Number(m[1]) : undefined
}

/**
 * Classifies a kafkajs error by Kafka's error code: retriable exactly when Kafka's exception for
 * it is a `RetriableException` (the table in `kafka-error-table.ts`, generated from the broker's
 * jar). An error without a broker answer (a connection that failed, a request that timed out, a
 * retry budget that ran out on either) is a transport failure and retriable unless kafkajs itself
 * said otherwise; a code missing from the table is not retriable.
 */
export function classifyKafkaError(err: unknown): KafkaFailure {
  const errors = chain(err).reverse()
  const code = errors.map(protocolCode).find((c) => c !== undefined)
  if (code === undefined) {
    // The innermost error that says: a connection error says yes; a bug kafkajs wrapped as
    // non-retriable (a TypeError has no flag of its own) says no.
    const said = errors
      .map((e) => (e as { retriable?: unknown } | null)?.retriable)
      .find((r) => typeof r === 'boolean')
    return { kafka: undefined, retriable: said !== false, refused: undefined }
  }
  const kafka = KAFKA_ERROR_CODES.get(code)
  const refused = TOO_LARGE.has(code) ? 'too-large' : INVALID.has(code) ? 'invalid' : undefined
  return { kafka, retriable: kafka?.retriable ?? false, refused }
}
