import { HEADER_EVENT_ID, HEADER_EVENT_TYPE } from '../envelope.js'
import { describeError, isRefusedMessage, type SyncKitError } from '../errors.js'
import { messageBytes } from '../message-size.js'
import type { EventPublisher, Logger, OutgoingMessage } from '../ports.js'
import type { EventOrigin } from './ports.js'
import { backoffMs, STOPPED } from './retry.js'

/**
 * Header names on a dead letter. The value and key are the original bytes, unchanged, so a
 * dead letter can be replayed onto its topic as it was; the why and the where travel here (the
 * layout of Kafka Connect's DLQ context headers).
 */
export const DLQ_HEADERS = {
  code: 'fl-dlq-code',
  reason: 'fl-dlq-reason',
  topic: 'fl-dlq-topic',
  partition: 'fl-dlq-partition',
  offset: 'fl-dlq-offset',
  attempts: 'fl-dlq-attempts',
  group: 'fl-dlq-group',
  failedAt: 'fl-dlq-failed-at',
  /** `true` on a dead letter the broker would not take whole: its value and headers are dropped. */
  truncated: 'fl-dlq-truncated',
  /** The size of the dead letter that was refused, as the broker counts it. */
  originalBytes: 'fl-dlq-original-bytes',
  /** Why the whole dead letter was refused (e.g. MESSAGE_TOO_LARGE). */
  publishError: 'fl-dlq-publish-error',
} as const

/** Longest reason or error text carried in a header. */
const HEADER_TEXT_CHARS = 4096
const clip = (text: string, chars = HEADER_TEXT_CHARS): string =>
  text.length <= chars ? text : `${text.slice(0, chars)}…`

/** A dead letter's context, read back from its headers. */
export interface DeadLetterInfo {
  readonly code: string
  readonly reason: string
  readonly origin: EventOrigin
  readonly attempts: number
  readonly groupId: string
  /** True when the dead letter is only a record: the original key, value and headers are not in it. */
  readonly truncated: boolean
  /** For a truncated dead letter: the size of the one the broker refused. */
  readonly originalBytes: number | undefined
  /** For a truncated dead letter: why the broker refused the whole one. */
  readonly publishError: string | undefined
}

/** What {@link toDeadLetter} needs. */
export interface DeadLetterInput {
  readonly topic: string
  readonly origin: EventOrigin
  readonly key: string | null
  readonly value: Buffer | null
  readonly headers: Readonly<Record<string, string>>
  readonly error: SyncKitError
  readonly attempts: number
  readonly groupId: string
  readonly failedAt: number
}

/** Builds the dead-letter message for a message that could not be consumed. */
export function toDeadLetter(input: DeadLetterInput): OutgoingMessage {
  return {
    topic: input.topic,
    key: input.key ?? '',
    value: input.value ?? Buffer.alloc(0),
    headers: {
      ...input.headers,
      [DLQ_HEADERS.code]: input.error.code,
      [DLQ_HEADERS.reason]: clip(input.error.message),
      [DLQ_HEADERS.topic]: input.origin.topic,
      [DLQ_HEADERS.partition]: String(input.origin.partition),
      [DLQ_HEADERS.offset]: input.origin.offset,
      [DLQ_HEADERS.attempts]: String(input.attempts),
      [DLQ_HEADERS.group]: input.groupId,
      [DLQ_HEADERS.failedAt]: new Date(input.failedAt).toISOString(),
    },
  }
}

/**
 * The dead letter to send when the broker refuses the whole one for good (larger than the
 * dead-letter topic takes, or invalid): its coordinates, reason, size and the refusal, with an
 * empty value and without the original headers, so it fits any topic and the partition can move
 * on. The original message stays on its own topic until retention removes it.
 */
export function truncatedDeadLetter(
  whole: OutgoingMessage,
  refusal: SyncKitError,
): OutgoingMessage {
  const kept = Object.entries(whole.headers).filter(
    ([name]) =>
      name.startsWith('fl-dlq-') || name === HEADER_EVENT_ID || name === HEADER_EVENT_TYPE,
  )
  return {
    topic: whole.topic,
    key: clip(whole.key, 256),
    value: Buffer.alloc(0),
    headers: {
      ...Object.fromEntries(kept.map(([name, value]) => [name, clip(value)])),
      [DLQ_HEADERS.truncated]: 'true',
      [DLQ_HEADERS.originalBytes]: String(messageBytes(whole)),
      [DLQ_HEADERS.publishError]: clip(refusal.message),
    },
  }
}

/** Reads the context headers of a dead letter; undefined when they are not there. */
export function readDeadLetter(
  headers: Readonly<Record<string, string>>,
): DeadLetterInfo | undefined {
  const code = headers[DLQ_HEADERS.code]
  const topic = headers[DLQ_HEADERS.topic]
  const offset = headers[DLQ_HEADERS.offset]
  if (code === undefined || topic === undefined || offset === undefined) return undefined
  return {
    code,
    reason: headers[DLQ_HEADERS.reason] ?? '',
    origin: { topic, partition: Number(headers[DLQ_HEADERS.partition]), offset },
    attempts: Number(headers[DLQ_HEADERS.attempts] ?? 0),
    groupId: headers[DLQ_HEADERS.group] ?? '',
    truncated: headers[DLQ_HEADERS.truncated] === 'true',
    originalBytes:
      headers[DLQ_HEADERS.originalBytes] === undefined
        ? undefined
        : Number(headers[DLQ_HEADERS.originalBytes]),
    publishError: headers[DLQ_HEADERS.publishError],
  }
}

/** What {@link publishDeadLetter} needs from its consumer. */
export interface DeadLetterSink {
  readonly deadLetters: EventPublisher
  readonly logger: Logger
  readonly sleep: (ms: number) => Promise<void>
  readonly backoffBaseMs: number
  readonly backoffMaxMs: number
  readonly stopping: () => boolean
  /** A publish of the dead letter failed (an alarm: `consumer:dead-letter-failed`). */
  readonly onFailed: (error: SyncKitError | undefined, attempt: number) => void
}

/** How a dead letter went out: as it was, truncated, or not at all (even truncated, it was refused). */
export type DeadLetterDelivery = 'whole' | 'truncated' | 'unpublished'

/**
 * Publishes a dead letter. A dead letter the broker refuses for good is sent again truncated
 * ({@link truncatedDeadLetter}); one refused even so is given up, with an error log line, so the
 * partition moves on. Other failures are waited out with doubling delays (a broker away, a
 * dead-letter topic being created, an ACL being fixed: not the event's fault), each one reported
 * through `onFailed`; `stop()` is the way out. Throws `STOPPED` when the consumer stops meanwhile.
 */
export async function publishDeadLetter(
  sink: DeadLetterSink,
  message: OutgoingMessage,
): Promise<DeadLetterDelivery> {
  let current = message
  for (let n = 1; ; n++) {
    if (sink.stopping()) throw STOPPED
    const [result] = await sink.deadLetters.publish([current])
    if (result?.ok === true) return current === message ? 'whole' : 'truncated'
    const error = result?.error
    sink.onFailed(error, n)
    if (error !== undefined && isRefusedMessage(error)) {
      if (current !== message) return gaveUp(sink, message, error)
      current = truncatedDeadLetter(message, error)
      continue
    }
    const fields = { topic: message.topic, attempt: n, error: describeError(error) }
    // Kafka says retrying cannot help until the cause is fixed (an ACL, ...): say it louder.
    if (error?.retryable === false) {
      sink.logger.error(fields, 'sync-kit consumer: dead-letter publish failed; retrying')
    } else sink.logger.warn(fields, 'sync-kit consumer: dead-letter publish failed; retrying')
    await sink.sleep(backoffMs(n, sink.backoffBaseMs, sink.backoffMaxMs))
  }
}

function gaveUp(sink: DeadLetterSink, message: OutgoingMessage, error: SyncKitError) {
  sink.logger.error(
    {
      topic: message.topic,
      origin: readDeadLetter(message.headers)?.origin,
      bytes: messageBytes(message),
      error: error.message,
    },
    'sync-kit consumer: the broker refused even the truncated dead letter; moving on',
  )
  return 'unpublished' as const
}
