import { SyncKitError } from '../errors.js'
import { messageBytes } from '../message-size.js'
import type { EventPublisher, OutgoingMessage, PublishResult } from '../ports.js'

/** A message as the in-memory broker stored it. */
export interface StoredMessage extends OutgoingMessage {
  readonly partition: number
  readonly offset: number
}

/** Options for {@link createMemoryPublisher}. */
export interface MemoryPublisherOptions {
  /**
   * Decides per message whether the "broker" refuses it; for fault-injection tests.
   * @default never fails
   */
  shouldFail?: (message: OutgoingMessage) => boolean
  /**
   * Refuses a message larger than this (as Kafka would measure it) with
   * `E_SYNC_MESSAGE_TOO_LARGE`, not retryable, like a broker at its `max.message.bytes`.
   * @default Infinity
   */
  maxMessageBytes?: number
}

/**
 * An in-process broker: one partition per topic, offsets from 0. Keeps the port's guarantees,
 * including "a failed message fails the later messages with the same key in that call".
 */
export class MemoryPublisher implements EventPublisher {
  readonly #topics = new Map<string, StoredMessage[]>()
  #closed = false
  shouldFail: ((message: OutgoingMessage) => boolean) | undefined
  maxMessageBytes: number

  constructor(options: MemoryPublisherOptions = {}) {
    this.shouldFail = options.shouldFail
    this.maxMessageBytes = options.maxMessageBytes ?? Infinity
  }

  publish(messages: readonly OutgoingMessage[]): Promise<readonly PublishResult[]> {
    if (this.#closed) {
      return Promise.reject(new SyncKitError('E_SYNC_CLOSED', 'memory publisher is closed'))
    }
    const failedKeys = new Set<string>()
    const results = messages.map((m): PublishResult => {
      if (failedKeys.has(m.key) || this.shouldFail?.(m) === true) {
        failedKeys.add(m.key)
        return { ok: false, error: refused(m) }
      }
      const bytes = this.maxMessageBytes === Infinity ? 0 : messageBytes(m)
      if (bytes > this.maxMessageBytes) {
        failedKeys.add(m.key)
        return { ok: false, error: tooLarge(m, bytes, this.maxMessageBytes) }
      }
      const log = this.#topics.get(m.topic) ?? []
      this.#topics.set(m.topic, log)
      log.push({ ...m, partition: 0, offset: log.length })
      return { ok: true, partition: 0, offset: String(log.length - 1) }
    })
    return Promise.resolve(results)
  }

  /** Every message stored on `topic`, oldest first. */
  messages(topic: string): readonly StoredMessage[] {
    return this.#topics.get(topic) ?? []
  }

  /** The names of topics that received at least one message. */
  topics(): string[] {
    return [...this.#topics.keys()]
  }

  close(): Promise<void> {
    this.#closed = true
    return Promise.resolve()
  }
}

function refused(m: OutgoingMessage): SyncKitError {
  return new SyncKitError(
    'E_SYNC_PUBLISH_FAILED',
    `memory broker refused a message on ${m.topic}`,
    {
      retryable: true,
      context: { topic: m.topic },
    },
  )
}

function tooLarge(m: OutgoingMessage, bytes: number, limitBytes: number): SyncKitError {
  return new SyncKitError(
    'E_SYNC_MESSAGE_TOO_LARGE',
    `memory broker refused a ${bytes}-byte message on ${m.topic}: over its ${limitBytes} bytes`,
    { context: { topic: m.topic, bytes, limitBytes } },
  )
}

/** Creates an in-memory {@link EventPublisher}. */
export function createMemoryPublisher(options: MemoryPublisherOptions = {}): MemoryPublisher {
  return new MemoryPublisher(options)
}
