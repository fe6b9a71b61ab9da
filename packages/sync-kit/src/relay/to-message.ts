import { HEADER_AGGREGATE_VERSION, HEADER_COMMIT_LSN, encodeEnvelope } from '../envelope.js'
import type { Lsn } from '../lsn.js'
import { describeError } from '../errors.js'
import type { Logger, OutgoingMessage } from '../ports.js'
import type { EventEnvelope } from '../envelope.js'
import { checkedRowToMessage } from './checked-row.js'
import { rowToEnvelope, type OutboxRowText } from './row-envelope.js'

/**
 * Turns an outbox row into the message to publish. A row that is not a valid envelope goes to
 * `invalidTopic` with the reason in a header: it is neither dropped nor allowed to stop the relay.
 * `typesChecked` says Postgres's column types already guarantee the row's id, payload and headers
 * (see {@link checkedRowToMessage}).
 */
export function rowToMessage(
  row: OutboxRowText,
  topic: (e: EventEnvelope) => string,
  invalidTopic: string,
  logger: Logger,
  typesChecked = false,
  commitLsn?: Lsn,
): OutgoingMessage {
  try {
    const checked = typesChecked ? checkedRowToMessage(row, topic, commitLsn) : undefined
    if (checked !== undefined) return checked
    const envelope = rowToEnvelope(row)
    const message = encodeEnvelope(envelope)
    return {
      topic: topic(envelope),
      ...message,
      headers: {
        ...message.headers,
        [HEADER_AGGREGATE_VERSION]: String(envelope.sequence),
        ...(commitLsn === undefined ? undefined : { [HEADER_COMMIT_LSN]: commitLsn }),
      },
    }
  } catch (err) {
    logger.error(
      {
        id: row.id,
        error: describeError(err),
      },
      'invalid outbox row sent to the invalid-row topic',
    )
    return {
      topic: invalidTopic,
      key: String(row.aggregateid ?? row.id ?? ''),
      value: Buffer.from(JSON.stringify(row)),
      headers: {
        'fl-error': describeError(err),
        ...(commitLsn === undefined ? undefined : { [HEADER_COMMIT_LSN]: commitLsn }),
      },
    }
  }
}
