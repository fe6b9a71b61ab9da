import { describeError } from '../errors.js'
import type { EventPublisher, Logger, TopicStatus } from '../ports.js'

/**
 * Room a dead letter needs beyond the message it carries: the `fl-dlq-*` headers, whose reason
 * is clipped to 4 KiB, and the rest well under a kilobyte.
 */
export const DEAD_LETTER_HEADROOM_BYTES = 64 * 1024

/**
 * Makes sure the dead-letter topic takes the largest message its source topics take, plus the
 * headroom, through the publisher's `ensureTopic` (Kafka): a missing topic is created so, instead
 * of being auto-created at the broker's default limit by its first dead letter, which would then
 * be refused as too large. An existing topic that is smaller is left alone and warned about, with
 * the command that raises it; meanwhile dead letters too large for it go out truncated.
 */
export async function prepareDeadLetterTopic(
  publisher: EventPublisher,
  topic: string,
  sources: readonly string[],
  logger: Logger,
): Promise<TopicStatus | undefined> {
  if (publisher.ensureTopic === undefined) return undefined
  try {
    const status = await publisher.ensureTopic({
      topic,
      fitMessagesOf: sources,
      headroomBytes: DEAD_LETTER_HEADROOM_BYTES,
    })
    if (status.created)
      logger.info({ ...status }, 'sync-kit consumer: created the dead-letter topic')
    else if (!status.fits) logger.warn({ ...status }, tooSmall(status))
    return status
  } catch (err) {
    logger.warn(
      {
        topic,
        error: describeError(err),
      },
      'sync-kit consumer: could not check the dead-letter topic; too large dead letters will go out truncated',
    )
    return undefined
  }
}

function tooSmall({ topic, maxMessageBytes, requiredBytes }: TopicStatus): string {
  return (
    `sync-kit consumer: dead-letter topic ${topic} takes messages up to ${maxMessageBytes} bytes ` +
    `(max.message.bytes), less than the ${requiredBytes} a dead letter of its source topics can ` +
    'need; larger dead letters go out truncated, without their value and headers. Raise it: ' +
    `kafka-configs.sh --bootstrap-server <broker> --alter --entity-type topics --entity-name ${topic} ` +
    `--add-config max.message.bytes=${requiredBytes}`
  )
}
