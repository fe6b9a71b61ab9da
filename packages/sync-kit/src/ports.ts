import type { SyncKitError } from './errors.js'
import type { WireMessage } from './envelope.js'

/** A message bound for one topic. */
export interface OutgoingMessage extends WireMessage {
  readonly topic: string
}

/** What the broker said about one message of a batch. */
export type PublishResult =
  | { readonly ok: true; readonly partition?: number; readonly offset?: string }
  | { readonly ok: false; readonly error: SyncKitError }

/**
 * Sends events to a broker. Relays only move their acknowledged position past a message once its
 * result is `ok`, so an implementation must keep these guarantees:
 *
 * - **Durable ack.** `ok: true` means the broker has persisted the message (Kafka: `acks=-1`;
 *   RabbitMQ: a publisher confirm). Anything less must be reported as `ok: false`.
 * - **Per-message results.** The returned array has one entry per input message, same order.
 * - **Key order.** Within one call, messages with the same key reach the broker in the order
 *   given; when a message fails, later messages with the same key in that call fail too.
 * - **Failures are values.** A broker failure becomes `ok: false` with a `SyncKitError`
 *   (`E_SYNC_PUBLISH_FAILED`, `retryable` set); `publish` rejects only after `close()`.
 * - **At-least-once.** Retrying a failed message may duplicate it; consumers deduplicate by id.
 */
export interface EventPublisher {
  /**
   * Optional: where the publisher sends, without credentials (Kafka: the bootstrap brokers), so a
   * relay can name the host in logs and stats when the broker cannot be reached.
   */
  readonly endpoint?: string
  publish(messages: readonly OutgoingMessage[]): Promise<readonly PublishResult[]>
  /**
   * Opens the broker connection ahead of the first `publish`. Relays call it in `start()` so the
   * first events do not wait for connection set-up while the stream floods the event loop.
   * Rejects when the broker cannot be reached; `publish` still retries on its own later.
   */
  connect?(): Promise<void>
  /**
   * Optional: makes sure `topic` exists and takes the messages it is meant for. Consumers call it
   * for their dead-letter topic at start, so that a dead letter, which carries its message whole,
   * is not refused as too large where the message itself was accepted.
   */
  ensureTopic?(requirement: TopicRequirement): Promise<TopicStatus>
  /** Releases what the publisher opened; a client the caller passed in stays open. */
  close(): Promise<void>
}

/** What {@link EventPublisher.ensureTopic} is asked to make sure of. */
export interface TopicRequirement {
  readonly topic: string
  /** The topic must take any message these topics take, plus `headroomBytes`. */
  readonly fitMessagesOf: readonly string[]
  /** Room for what is added to those messages (a dead letter's headers). */
  readonly headroomBytes: number
}

/** What {@link EventPublisher.ensureTopic} found or did. */
export interface TopicStatus {
  readonly topic: string
  /** True when the topic was created by this call, with `maxMessageBytes`. */
  readonly created: boolean
  /** The largest message the topic takes (Kafka: `max.message.bytes`), when known. */
  readonly maxMessageBytes: number | undefined
  /** The largest message it would have to take: the largest of the sources plus the headroom. */
  readonly requiredBytes: number | undefined
  /** False when the topic already existed with a smaller limit; it is left as it is. */
  readonly fits: boolean
}

export type { Clock, Logger, SqlClient, SqlResult } from '@faultline/common'
export { silentLogger, systemClock } from '@faultline/common'
