import type { SyncKitError } from '../errors.js'
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
} as const

/** A dead letter's context, read back from its headers. */
export interface DeadLetterInfo {
  readonly code: string
  readonly reason: string
  readonly origin: EventOrigin
  readonly attempts: number
  readonly groupId: string
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
      [DLQ_HEADERS.reason]: input.error.message,
      [DLQ_HEADERS.topic]: input.origin.topic,
      [DLQ_HEADERS.partition]: String(input.origin.partition),
      [DLQ_HEADERS.offset]: input.origin.offset,
      [DLQ_HEADERS.attempts]: String(input.attempts),
      [DLQ_HEADERS.group]: input.groupId,
      [DLQ_HEADERS.failedAt]: new Date(input.failedAt).toISOString(),
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
}

/**
 * Publishes a dead letter, waiting out broker failures (they are not the event's fault) until it
 * is acknowledged; throws `STOPPED` when the consumer stops meanwhile.
 */
export async function publishDeadLetter(sink: DeadLetterSink, message: OutgoingMessage) {
  for (let n = 1; ; n++) {
    if (sink.stopping()) throw STOPPED
    const [result] = await sink.deadLetters.publish([message])
    if (result?.ok === true) return
    sink.logger.warn('sync-kit consumer: dead-letter publish failed; retrying', {
      topic: message.topic,
    })
    await sink.sleep(backoffMs(n, sink.backoffBaseMs, sink.backoffMaxMs))
  }
}
