import { HEADER_EVENT_ID, HEADER_EVENT_TYPE } from '../envelope.js'
import type { SyncKitError, SyncKitErrorCode } from '../errors.js'
import { messageBytes } from '../message-size.js'
import type { Logger, OutgoingMessage } from '../ports.js'

/** What a relay reports when the broker refuses an outbox event for good. */
export interface RejectedEventReport {
  /** The event's id (its `fl-event-id` header), when it has one. */
  readonly eventId: string | undefined
  /** The topic the event was meant for. */
  readonly topic: string
  readonly key: string
  /** The message's size as the broker counts it. */
  readonly bytes: number
  readonly code: SyncKitErrorCode
  readonly reason: string
  /** Where its record went instead; undefined when the broker refused the record too. */
  readonly recordTopic: string | undefined
}

/** Longest string field kept in a record; the message it stands for may be any size. */
const FIELD_CHARS = 256
/** Values past this size are not parsed for their fields. */
const PARSE_LIMIT_BYTES = 16 * 1024 * 1024

const clip = (text: string, chars = FIELD_CHARS): string =>
  text.length <= chars ? text : `${text.slice(0, chars)}…`

/** The top-level scalar fields of a JSON object value (an envelope's id, type, sequence, ...). */
function scalarFields(value: Buffer): Record<string, string | number | boolean | null> {
  if (value.length > PARSE_LIMIT_BYTES) return {}
  let parsed: unknown
  try {
    parsed = JSON.parse(value.toString('utf8')) as unknown
  } catch {
    return {}
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {}
  const out: Record<string, string | number | boolean | null> = {}
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>).slice(0, 20)) {
    if (typeof v === 'string') out[clip(k)] = clip(v)
    else if (typeof v === 'number' || typeof v === 'boolean' || v === null) out[clip(k)] = v
  }
  return out
}

/**
 * The record that goes to the invalid-row topic in place of a message the broker refuses: where
 * it was going, its size, the error and the envelope's scalar fields (id, aggregate, type,
 * sequence), never its payload. It stays small whatever the message was, so it fits any topic.
 */
export function refusalRecord(
  message: OutgoingMessage,
  error: SyncKitError,
  invalidTopic: string,
): OutgoingMessage {
  const bytes = messageBytes(message)
  const eventId = message.headers[HEADER_EVENT_ID]
  const eventType = message.headers[HEADER_EVENT_TYPE]
  const body = {
    code: error.code,
    error: clip(error.message, 1024),
    topic: clip(message.topic),
    key: clip(message.key),
    bytes,
    fields: scalarFields(message.value),
    payloadOmitted: true,
  }
  return {
    topic: invalidTopic,
    key: clip(message.key),
    value: Buffer.from(JSON.stringify(body)),
    headers: {
      'fl-error': clip(error.message, 1024),
      'fl-error-code': error.code,
      'fl-original-topic': clip(message.topic),
      'fl-original-bytes': String(bytes),
      ...(eventId === undefined ? {} : { [HEADER_EVENT_ID]: clip(eventId) }),
      ...(eventType === undefined ? {} : { [HEADER_EVENT_TYPE]: clip(eventType) }),
    },
  }
}

/**
 * A relay's way past messages the broker refuses for good: each goes to the invalid-row topic
 * as a {@link refusalRecord}, with an error log line, the `onRejected` alarm and a count, so the
 * relay acknowledges it and moves on (relay A's slot past it, relay B's cursor past it).
 */
export class RefusedEvents {
  count = 0

  readonly #invalidTopic: string
  readonly #logger: Logger
  readonly #onRejected: ((report: RejectedEventReport) => void) | undefined

  constructor(
    invalidTopic: string,
    logger: Logger,
    onRejected: ((report: RejectedEventReport) => void) | undefined,
  ) {
    this.#invalidTopic = invalidTopic
    this.#logger = logger
    this.#onRejected = onRejected
  }

  /**
   * The publish queue's hook: the record to send in place of `message`, or undefined when
   * `message` is such a record already (the broker refused even that: it is logged, and the
   * event stays only in the outbox table).
   */
  divert(
    message: OutgoingMessage,
    error: SyncKitError,
    isRecord: boolean,
  ): OutgoingMessage | undefined {
    const report: RejectedEventReport = {
      eventId: message.headers[HEADER_EVENT_ID],
      topic: isRecord ? (message.headers['fl-original-topic'] ?? message.topic) : message.topic,
      key: clip(message.key),
      bytes: isRecord ? Number(message.headers['fl-original-bytes']) : messageBytes(message),
      code: error.code,
      reason: error.message,
      recordTopic: isRecord ? undefined : this.#invalidTopic,
    }
    if (isRecord) {
      this.#logger.error(
        {
          ...report,
        },
        'the broker refused the record of a refused outbox event too; moving on',
      )
    } else {
      this.count++
      this.#logger.error(
        { ...report },
        'the broker refused an outbox event for good; its record (without payload) goes to the invalid-row topic',
      )
    }
    this.#onRejected?.(report)
    return isRecord ? undefined : refusalRecord(message, error, this.#invalidTopic)
  }
}
