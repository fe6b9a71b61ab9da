import { SyncKitError, describeError } from '../errors.js'
import { KAFKA_DEFAULT_MAX_MESSAGE_BYTES, messageBytes } from '../message-size.js'
import type { OutgoingMessage } from '../ports.js'
import type { KafkaFailure } from './kafka-error-class.js'

/**
 * The kit's error for a failed send of `messages`. A refusal (too large, invalid) is reported as
 * such only for a message sent alone: the publisher splits larger calls first.
 */
export function publishError(
  err: unknown,
  failure: KafkaFailure,
  messages: readonly OutgoingMessage[],
): SyncKitError {
  const first = messages[0]
  const brokerError = failure.kafka?.name
  const context = { topic: first?.topic ?? '', ...(brokerError ? { brokerError } : {}) }
  if (failure.refused === 'too-large' && messages.length === 1 && first !== undefined) {
    const bytes = messageBytes(first)
    return new SyncKitError(
      'E_SYNC_MESSAGE_TOO_LARGE',
      `Kafka refused a ${bytes}-byte message on ${first.topic} as too large (${brokerError}): it ` +
        `exceeds the topic's max.message.bytes (by default the broker's message.max.bytes, ` +
        `${KAFKA_DEFAULT_MAX_MESSAGE_BYTES}); raise them, or send less in one message`,
      { cause: err, context: { ...context, bytes } },
    )
  }
  if (failure.refused === 'invalid' && messages.length === 1) {
    return new SyncKitError(
      'E_SYNC_MESSAGE_REJECTED',
      `Kafka refused the message on ${first?.topic ?? '?'} (${brokerError}): ${describeError(err)}`,
      { cause: err, context },
    )
  }
  const verdict = failure.retriable ? '' : '; Kafka says retrying cannot help until this is fixed'
  return new SyncKitError(
    'E_SYNC_PUBLISH_FAILED',
    `Kafka did not acknowledge: ${describeError(err)}${verdict}`,
    { cause: err, retryable: failure.retriable, context },
  )
}

/** The result of a message held back because an earlier one with its key failed in the call. */
export function sameKeyFailed(message: OutgoingMessage): SyncKitError {
  return new SyncKitError(
    'E_SYNC_PUBLISH_FAILED',
    `not sent: an earlier message with key "${message.key}" failed in the same call`,
    { retryable: true, context: { topic: message.topic } },
  )
}
