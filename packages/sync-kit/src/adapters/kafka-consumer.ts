import {
  Kafka,
  logLevel,
  type Admin,
  type Consumer as KafkaJsConsumer,
  type EachBatchPayload,
  type IHeaders,
  type KafkaMessage,
} from 'kafkajs'
import { classifyKafkaError } from './kafka-error-class.js'
import { SyncKitError, describeError } from '../errors.js'
import type { Logger } from '../ports.js'
import { silentLogger } from '../ports.js'
import { PartitionWorkers } from '../consumer/partition-workers.js'
import type {
  ConsumedBatch,
  ConsumedMessage,
  ConsumerRunOptions,
  EventConsumer,
  PartitionOffset,
} from '../consumer/ports.js'

/** Options for {@link createKafkaEventConsumer}. Give `brokers`, or a `kafka` client you own. */
export interface KafkaEventConsumerOptions {
  /** Bootstrap brokers, `host:port`. */
  readonly brokers?: string[]
  /** A kafkajs client the caller owns. */
  readonly kafka?: Kafka
  /** @default 'faultline-sync-kit' */
  readonly clientId?: string
  /** Group session timeout: how long a dead member keeps its partitions. @default 30_000 */
  readonly sessionTimeoutMs?: number
  /** @default 3_000 */
  readonly heartbeatIntervalMs?: number
  /**
   * Longest a fetch waits on the broker for new messages. kafkajs heartbeats (and so learns of a
   * rebalance) only between fetches, so an idle member needs this well below `sessionTimeoutMs`.
   * It also bounds `stop()`: kafkajs leaves the group only once the fetch in flight returns, so
   * the default keeps closing under a second, for two fetch requests a second while idle.
   * @default 500
   */
  readonly maxWaitTimeMs?: number
  /**
   * Partitions whose batches this member applies at once (kafkajs's setting), each still one
   * batch at a time in offset order. With `eachBatch` (the consumer's way) a batch still running
   * after `setAsideAfterMs` is set aside: its partition is paused and it goes on in the
   * background, so a partition stuck on one event holds back neither the others nor the
   * heartbeats. @default 8 with `eachBatch`, 1 with `eachMessage`
   */
  readonly partitionsConsumedConcurrently?: number
  /**
   * How long a batch may run inside kafkajs's fetch loop before it is set aside (see
   * `partitionsConsumedConcurrently`). kafkajs fetches again, and heartbeats, only once every
   * batch of a fetch is handled, so this bounds how long one slow batch delays the others.
   * @default 1_000
   */
  readonly setAsideAfterMs?: number
  /**
   * Create topics the consumer reads that do not exist yet, with this many partitions (and this
   * replication factor), instead of failing with `E_SYNC_TOPIC_MISSING`. The partition count
   * bounds how many group members share the work; choose it like the relay's topics (sync-kit's
   * tests use 3). @default undefined: a missing topic fails `start()` at once
   */
  readonly createTopics?: { readonly partitions: number; readonly replicationFactor?: number }
  /** @default silentLogger */
  readonly logger?: Logger
}

function failed(what: string, err: unknown): SyncKitError {
  return new SyncKitError('E_SYNC_CONSUME_FAILED', `Kafka ${what} failed: ${describeError(err)}`, {
    retryable: classifyKafkaError(err).retriable,
    cause: err,
  })
}

/**
 * Retries what Kafka's error code says is retriable (a fresh broker answers "coordinator is
 * loading" for a while), at most `attempts` times, then translates the error.
 */
async function withRetries<T>(what: string, fn: () => Promise<T>, attempts = 20): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn()
    } catch (err) {
      if (!classifyKafkaError(err).retriable || attempt >= attempts) throw failed(what, err)
      await new Promise((r) => setTimeout(r, Math.min(2_000, 100 * attempt)))
    }
  }
}

/** The error for topics a consumer reads that the broker does not have. */
function topicMissing(topics: readonly string[], brokers: readonly string[] | undefined) {
  const names = topics.map((topic) => `"${topic}"`).join(', ')
  return new SyncKitError(
    'E_SYNC_TOPIC_MISSING',
    `topic${topics.length === 1 ? '' : 's'} ${names} ` +
      `do${topics.length === 1 ? 'es' : ''} not exist on the broker` +
      `${brokers?.length ? ` (${brokers.join(', ')})` : ''}. Create ` +
      `${topics.length === 1 ? 'it' : 'them'} before starting the consumer (a relay publishes ` +
      'to outbox.event.<aggregateType>, a saga participant reads ' +
      'outbox.event.saga.participant.<name>), or pass createTopics: { partitions } to ' +
      'createKafkaEventConsumer() to have them created.',
    { context: { topic: topics[0] }, retryable: false },
  )
}

/** Refuses tunables kafkajs would take badly (a concurrency of 0 stops consuming silently). */
function checkTunables(o: KafkaEventConsumerOptions): void {
  const partitions = o.createTopics?.partitions
  if (o.createTopics !== undefined && !(Number.isInteger(partitions) && partitions! >= 1)) {
    throw new SyncKitError(
      'E_SYNC_INVALID_OPTION',
      `createTopics.partitions must be an integer >= 1, got ${String(partitions)}`,
      { context: { field: 'createTopics.partitions' } },
    )
  }
  const concurrency = o.partitionsConsumedConcurrently
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1)) {
    throw new SyncKitError(
      'E_SYNC_INVALID_OPTION',
      `partitionsConsumedConcurrently must be an integer >= 1, got ${concurrency}`,
      { context: { field: 'partitionsConsumedConcurrently' } },
    )
  }
  const aside = o.setAsideAfterMs
  if (aside !== undefined && !(Number.isFinite(aside) && aside >= 0)) {
    throw new SyncKitError(
      'E_SYNC_INVALID_OPTION',
      `setAsideAfterMs must be a number >= 0, got ${aside}`,
      { context: { field: 'setAsideAfterMs' } },
    )
  }
}

function stringHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(headers ?? {})) {
    const first = Array.isArray(v) ? v[0] : v
    if (first !== undefined) out[k] = first.toString()
  }
  return out
}

function toConsumed(topic: string, partition: number, message: KafkaMessage): ConsumedMessage {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key?.toString() ?? null,
    value: message.value,
    headers: stringHeaders(message.headers),
  }
}

/**
 * A kafkajs batch as a {@link ConsumedBatch}. `commit` resolves the offset and commits it to the
 * group coordinator at once (kafkajs would otherwise wait for the end of the fetch), then
 * heartbeats; a rebalance under way rejects it. `active` is the worker's own say (not stopping,
 * same group generation).
 */
function toBatch(p: EachBatchPayload, active: () => boolean): ConsumedBatch {
  const { topic, partition } = p.batch
  return {
    topic,
    partition,
    messages: p.batch.messages.map((m) => toConsumed(topic, partition, m)),
    commit: async (offset) => {
      p.resolveOffset(offset)
      const next = String(BigInt(offset) + 1n)
      await p.commitOffsetsIfNecessary({
        topics: [{ topic, partitions: [{ partition, offset: next }] }],
      })
      await p.heartbeat()
    },
    isActive: () => active() && p.isRunning() && !p.isStale(),
  }
}

/**
 * The kafkajs {@link EventConsumer}: a consumer-group member delivering each partition's messages
 * one at a time (kafkajs commits an offset only after `eachMessage` resolved for it) or a fetch's
 * messages as one batch (offsets are committed only through the batch's `commit`).
 */
export class KafkaEventConsumer implements EventConsumer {
  readonly #kafka: Kafka
  readonly #options: KafkaEventConsumerOptions
  #consumer: KafkaJsConsumer | undefined
  #workers: PartitionWorkers | undefined
  #admin: Promise<Admin> | undefined
  readonly #logger: Logger

  constructor(options: KafkaEventConsumerOptions) {
    if (!options.kafka && !options.brokers?.length) {
      throw new SyncKitError('E_SYNC_INVALID_OPTION', 'KafkaEventConsumer needs brokers or kafka', {
        context: { field: 'brokers' },
      })
    }
    checkTunables(options)
    this.#options = options
    const logger = options.logger ?? silentLogger
    this.#logger = logger
    this.#kafka =
      options.kafka ??
      new Kafka({
        clientId: options.clientId ?? 'faultline-sync-kit',
        brokers: options.brokers ?? [],
        logCreator: () => (entry) => {
          if (entry.level === logLevel.ERROR) logger.error(`kafkajs: ${entry.log.message}`)
          else if (entry.level === logLevel.WARN) logger.warn(`kafkajs: ${entry.log.message}`)
        },
      })
  }

  async run(options: ConsumerRunOptions): Promise<void> {
    if (this.#consumer) throw new SyncKitError('E_SYNC_INVALID_OPTION', 'consumer already running')
    const consumer = this.#kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: this.#options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: this.#options.heartbeatIntervalMs ?? 3_000,
      maxWaitTimeInMs: this.#options.maxWaitTimeMs ?? 500,
    })
    this.#consumer = consumer
    try {
      await consumer.connect()
      await consumer.subscribe({
        topics: [...options.topics],
        fromBeginning: options.fromBeginning,
      })
      const eachBatch = options.eachBatch?.bind(options)
      await consumer.run(
        eachBatch === undefined
          ? {
              partitionsConsumedConcurrently: this.#options.partitionsConsumedConcurrently ?? 1,
              eachMessage: ({ topic, partition, message }) =>
                options.eachMessage?.(toConsumed(topic, partition, message)) ?? Promise.resolve(),
            }
          : {
              partitionsConsumedConcurrently: this.#options.partitionsConsumedConcurrently ?? 8,
              // Only offsets the consumer commits are committed: a batch it leaves unfinished
              // (stopping, partition lost) is not marked done behind its back.
              eachBatchAutoResolve: false,
              eachBatch: this.#workersFor(consumer, (batch) => eachBatch(batch)),
            },
      )
    } catch (err) {
      this.#consumer = undefined
      await consumer.disconnect().catch(() => undefined)
      throw failed('subscribe', err)
    }
  }

  /** Stops the partition workers (each at its next chunk), then leaves the group. */
  async stop(): Promise<void> {
    const consumer = this.#consumer
    this.#consumer = undefined
    await this.#workers?.stop()
    this.#workers = undefined
    await consumer?.disconnect()
    const admin = this.#admin
    this.#admin = undefined
    await (await admin?.catch(() => undefined))?.disconnect()
  }

  /** Creates missing topics when `createTopics` is set, else fails with `E_SYNC_TOPIC_MISSING`. */
  async checkTopics(topics: readonly string[]): Promise<void> {
    const admin = await this.#adminClient()
    const existing = new Set(await withRetries('listTopics', () => admin.listTopics()))
    const missing = topics.filter((topic) => !existing.has(topic))
    if (missing.length === 0) return
    const create = this.#options.createTopics
    if (create === undefined) throw topicMissing(missing, this.#options.brokers)
    await withRetries('createTopics', () =>
      admin.createTopics({
        topics: missing.map((topic) => ({
          topic,
          numPartitions: create.partitions,
          ...(create.replicationFactor === undefined
            ? {}
            : { replicationFactor: create.replicationFactor }),
        })),
        waitForLeaders: true,
      }),
    )
    this.#logger.info(
      { topics: missing, partitions: create.partitions },
      'sync-kit consumer: created missing topics',
    )
  }

  async endOffsets(topics: readonly string[]): Promise<PartitionOffset[]> {
    const admin = await this.#adminClient()
    const all = await Promise.all(
      topics.map((topic) =>
        withRetries('fetchTopicOffsets', async () =>
          (await admin.fetchTopicOffsets(topic)).map((p) => ({
            topic,
            partition: p.partition,
            offset: p.high,
          })),
        ),
      ),
    )
    return all.flat()
  }

  async committedOffsets(groupId: string, topics: readonly string[]): Promise<PartitionOffset[]> {
    const admin = await this.#adminClient()
    const groups = await withRetries('fetchOffsets', () =>
      admin.fetchOffsets({ groupId, topics: [...topics] }),
    )
    return groups.flatMap((t) =>
      t.partitions
        .filter((p) => BigInt(p.offset) >= 0n)
        .map((p) => ({ topic: t.topic, partition: p.partition, offset: p.offset })),
    )
  }

  /** kafkajs's `eachBatch`: hands each batch to its partition's worker (see PartitionWorkers). */
  #workersFor(consumer: KafkaJsConsumer, handle: (batch: ConsumedBatch) => Promise<void>) {
    const workers = new PartitionWorkers({
      handle,
      toBatch,
      inlineMs: this.#options.setAsideAfterMs ?? 1_000,
      logger: this.#logger,
    })
    this.#workers = workers
    consumer.on(consumer.events.REBALANCING, () => workers.newGeneration())
    consumer.on(consumer.events.GROUP_JOIN, () => workers.newGeneration())
    return (payload: EachBatchPayload) => workers.accept(payload)
  }

  #adminClient(): Promise<Admin> {
    this.#admin ??= (async () => {
      const admin = this.#kafka.admin()
      await admin.connect()
      return admin
    })().catch((err: unknown) => {
      this.#admin = undefined
      throw failed('admin connect', err)
    })
    return this.#admin
  }
}

/** Creates the kafkajs consumer adapter. */
export function createKafkaEventConsumer(options: KafkaEventConsumerOptions): KafkaEventConsumer {
  return new KafkaEventConsumer(options)
}
