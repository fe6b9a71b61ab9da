import { Kafka, logLevel, type Message, type Producer } from 'kafkajs'
import { SyncKitError, describeError } from '../errors.js'
import type { EventPublisher, Logger, OutgoingMessage, PublishResult } from '../ports.js'
import { silentLogger } from '../ports.js'
import { JavaCompatiblePartitioner } from './java-partitioner.js'

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
 */
export class KafkaPublisher implements EventPublisher {
  readonly #kafka: Kafka
  readonly #logger: Logger
  #producer: Producer | undefined
  #connecting: Promise<Producer> | undefined
  #closed = false

  constructor(options: KafkaPublisherOptions) {
    if (!options.kafka && !options.brokers?.length) {
      throw new SyncKitError(
        'E_SYNC_INVALID_OPTIONS',
        'KafkaPublisher needs brokers or a kafka client',
        {
          context: { field: 'brokers' },
        },
      )
    }
    this.#logger = options.logger ?? silentLogger
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
    try {
      const producer = await this.#connect()
      await producer.sendBatch({ acks: -1, topicMessages: groupByTopic(messages) })
      return messages.map(() => ({ ok: true }))
    } catch (err) {
      const retriable = (err as { retriable?: boolean }).retriable !== false
      if (!retriable) await this.#reset() // a broken idempotent session is rebuilt, not reused
      const error = new SyncKitError(
        'E_SYNC_PUBLISH_FAILED',
        `Kafka did not acknowledge: ${describeError(err)}`,
        {
          cause: err,
          retryable: true,
          context: { topic: messages[0]?.topic ?? '' },
        },
      )
      return messages.map(() => ({ ok: false, error }))
    }
  }

  async connect(): Promise<void> {
    if (this.#closed) throw new SyncKitError('E_SYNC_CLOSED', 'Kafka publisher is closed')
    await this.#connect()
  }

  async close(): Promise<void> {
    this.#closed = true
    await this.#reset()
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
      this.#logger.warn('producer disconnect failed', {
        error: describeError(err),
      }),
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
