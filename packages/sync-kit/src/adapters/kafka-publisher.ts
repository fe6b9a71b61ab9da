import { Kafka, logLevel, type Admin, type Message, type Producer } from 'kafkajs'
import { SyncKitError, describeError } from '../errors.js'
import type {
  EventPublisher,
  Logger,
  OutgoingMessage,
  PublishResult,
  TopicRequirement,
  TopicStatus,
} from '../ports.js'
import { silentLogger } from '../ports.js'
import { JavaCompatiblePartitioner } from './java-partitioner.js'
import { classifyKafkaError } from './kafka-error-class.js'
import { publishError, sameKeyFailed } from './kafka-publish-error.js'
import { ensureKafkaTopic } from './kafka-topics.js'

/** Options for {@link createKafkaPublisher}. Give `brokers`, or a `kafka` client you own. */
export interface KafkaPublisherOptions {
  /** Bootstrap brokers, `host:port`. */
  brokers?: string[]
  /** A kafkajs client the caller owns; its producer is created here. */
  kafka?: Kafka
  /** @default 'faultline-sync-kit' */
  clientId?: string
  /** kafkajs request timeout. @default 30000 */
  requestTimeoutMs?: number
  /** @default silentLogger */
  logger?: Logger
}

/** A kafkajs log entry mapped onto the kit's Logger (warn and error only). */
function logCreator(logger: Logger) {
  return () =>
    ({ level, log }: { level: logLevel; log: { message: string } & Record<string, unknown> }) => {
      if (level === logLevel.ERROR) logger.error(`kafkajs: ${log.message}`)
      else if (level === logLevel.WARN) logger.warn(`kafkajs: ${log.message}`)
    }
}

/**
 * Publishes with the kafkajs idempotent producer: `acks=-1` (every in-sync replica), one request
 * in flight, so a retried send can neither duplicate nor reorder inside the producer. Keys are
 * partitioned with murmur2, the same as the Java client, Kafka Connect and Debezium.
 *
 * Failures are classified by Kafka's own error codes (`kafka-error-table.ts`). When the broker
 * refuses messages themselves (too large, invalid), the call is split in halves until each
 * refused message stands alone: a batch can be too large where each of its messages fits, and
 * only a message that is refused on its own is reported as `E_SYNC_MESSAGE_TOO_LARGE` or
 * `E_SYNC_MESSAGE_REJECTED` (not retryable); the others are published.
 */
export class KafkaPublisher implements EventPublisher {
  readonly #kafka: Kafka
  readonly #logger: Logger
  /** The bootstrap brokers, comma-separated; undefined for a `kafka` client the caller gave. */
  readonly endpoint: string | undefined
  #producer: Producer | undefined
  #connecting: Promise<Producer> | undefined
  #admin: Promise<Admin> | undefined
  #closed = false

  constructor(options: KafkaPublisherOptions) {
    if (!options.kafka && !options.brokers?.length) {
      throw new SyncKitError(
        'E_SYNC_INVALID_OPTION',
        'KafkaPublisher needs brokers or a kafka client',
        {
          context: { field: 'brokers' },
        },
      )
    }
    this.#logger = options.logger ?? silentLogger
    this.endpoint = options.kafka ? undefined : options.brokers?.join(',')
    this.#kafka =
      options.kafka ??
      new Kafka({
        clientId: options.clientId ?? 'faultline-sync-kit',
        brokers: options.brokers ?? [],
        requestTimeout: options.requestTimeoutMs ?? 30_000,
        logCreator: logCreator(this.#logger),
      })
  }

  async publish(messages: readonly OutgoingMessage[]): Promise<readonly PublishResult[]> {
    if (this.#closed) throw new SyncKitError('E_SYNC_CLOSED', 'Kafka publisher is closed')
    if (messages.length === 0) return []
    return this.#send(messages)
  }

  async #send(messages: readonly OutgoingMessage[]): Promise<PublishResult[]> {
    try {
      const producer = await this.#connect()
      await producer.sendBatch({ acks: -1, topicMessages: groupByTopic(messages) })
      return messages.map(() => ({ ok: true }))
    } catch (err) {
      const failure = classifyKafkaError(err)
      // A broken idempotent session is rebuilt, not reused: kafkajs rolls back the sequence
      // numbers of every partition of a failed request, also those the broker had written.
      if (!failure.retriable) await this.#reset()
      if (failure.refused !== undefined && messages.length > 1) return this.#split(messages)
      const error = publishError(err, failure, messages)
      return messages.map(() => ({ ok: false, error }))
    }
  }

  /**
   * Sends each half on its own, in order. A message whose key failed in the first half is not
   * sent in the second (the port keeps one key's messages in order); it fails as retryable.
   */
  async #split(messages: readonly OutgoingMessage[]): Promise<PublishResult[]> {
    const middle = Math.ceil(messages.length / 2)
    const first = await this.#send(messages.slice(0, middle))
    const failedKeys = new Set(first.flatMap((r, i) => (r.ok ? [] : [messages[i]!.key])))
    const rest = messages.slice(middle)
    const free = rest.filter((m) => !failedKeys.has(m.key))
    const sent = free.length > 0 ? await this.#send(free) : []
    let next = 0
    const second = rest.map((m) =>
      failedKeys.has(m.key) ? { ok: false as const, error: sameKeyFailed(m) } : sent[next++]!,
    )
    return [...first, ...second]
  }

  /**
   * Creates `requirement.topic` with a `max.message.bytes` that takes every message of its
   * source topics (plus the headroom), or reports the limit of the topic that is already there.
   */
  async ensureTopic(requirement: TopicRequirement): Promise<TopicStatus> {
    if (this.#closed) throw new SyncKitError('E_SYNC_CLOSED', 'Kafka publisher is closed')
    try {
      return await ensureKafkaTopic(await this.#adminClient(), requirement)
    } catch (err) {
      throw new SyncKitError(
        'E_SYNC_PUBLISH_FAILED',
        `could not check or create topic ${requirement.topic}: ${describeError(err)}`,
        {
          cause: err,
          retryable: classifyKafkaError(err).retriable,
          context: { topic: requirement.topic },
        },
      )
    }
  }

  async connect(): Promise<void> {
    if (this.#closed) throw new SyncKitError('E_SYNC_CLOSED', 'Kafka publisher is closed')
    await this.#connect()
  }

  async close(): Promise<void> {
    this.#closed = true
    await this.#reset()
    const admin = this.#admin
    this.#admin = undefined
    await (await admin?.catch(() => undefined))?.disconnect()
  }

  #adminClient(): Promise<Admin> {
    this.#admin ??= (async () => {
      const admin = this.#kafka.admin()
      await admin.connect()
      return admin
    })()
    this.#admin.catch(() => (this.#admin = undefined))
    return this.#admin
  }

  #connect(): Promise<Producer> {
    if (this.#producer) return Promise.resolve(this.#producer)
    this.#connecting ??= (async () => {
      const producer = this.#kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: JavaCompatiblePartitioner,
        allowAutoTopicCreation: true,
      })
      try {
        await producer.connect()
      } catch (err) {
        this.#connecting = undefined
        throw err
      }
      this.#producer = producer
      this.#connecting = undefined
      return producer
    })()
    return this.#connecting
  }

  async #reset(): Promise<void> {
    const p = this.#producer
    this.#producer = undefined
    await p?.disconnect().catch((err: unknown) =>
      this.#logger.warn(
        {
          error: describeError(err),
        },
        'producer disconnect failed',
      ),
    )
  }
}

function groupByTopic(messages: readonly OutgoingMessage[]) {
  const byTopic = new Map<string, Message[]>()
  for (const m of messages) {
    let list = byTopic.get(m.topic)
    if (list === undefined) byTopic.set(m.topic, (list = []))
    // kafkajs only reads the headers: the message's own object goes as it is, not a copy.
    list.push({ key: m.key, value: m.value, headers: m.headers })
  }
  return [...byTopic].map(([topic, msgs]) => ({ topic, messages: msgs }))
}

/** Creates a Kafka {@link EventPublisher}. */
export function createKafkaPublisher(options: KafkaPublisherOptions): KafkaPublisher {
  return new KafkaPublisher(options)
}
