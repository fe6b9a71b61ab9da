import type { Pool, PoolClient } from 'pg'
import {
  appendEvents,
  createConsumer,
  isSyncKitError,
  type ConsumerEvent,
  type ConsumerStore,
  type EventConsumer,
  type EventEnvelope,
  type EventPublisher,
} from '@faultline/sync-kit'
import type { SagaTx } from '../core/types.js'
import { SagaKitError } from '../errors.js'
import { ClientTx } from '../engine/client-tx.js'
import { appendOneStatement } from './sync-kit-outbox.js'
import {
  checkFunction,
  checkInt,
  checkMs,
  checkOptions,
  checkPort,
  checkText,
  invalidOption,
} from '../validate.js'
import { type Logger, silentLogger, systemClock } from '@faultline/common'
import { DatabaseHealth } from '../health/database-health.js'
import { databaseEndpoint } from '../health/unreachable.js'
import type { TransportMetricsSnapshot } from '../health/transport-metrics.js'
import {
  type MessageHandler,
  type SagaTransport,
  type Subscription,
  type SagaMessage,
} from '../ports.js'

/** The sync-kit event type that carries every saga message. */
export const SAGA_EVENT_TYPE = 'saga.message'

/** Options of {@link createSyncKitTransport}. */
export interface SyncKitTransportOptions {
  /** The service's sync-kit consumer store, e.g. `createPostgresStore({ pool })`. */
  readonly store: ConsumerStore<PoolClient>
  /**
   * The pool `store` runs on. When given, a participant or orchestrator whose `db` is this pool
   * handles each message inside the inbox transaction: the inbox entry, the handler's effect and
   * its reply commit together, in one commit instead of two, and a crash between them leaves
   * nothing half done. Without it every message is handled in a transaction of its own.
   */
  readonly db?: Pool
  /** A fresh broker consumer per subscription, e.g. `() => createKafkaEventConsumer({ brokers })`. */
  readonly eventConsumer: () => EventConsumer
  /** Where sync-kit's consumer publishes dead letters (a Kafka publisher). */
  readonly deadLetters: EventPublisher
  /** Consumer-group prefix; one group per service and channel. @default 'saga' */
  readonly groupPrefix?: string
  /** Topic of a channel; must match the relay's topic function. @default `outbox.event.<channel>` */
  readonly topic?: (channel: string) => string
  /** Attempts of a failing handler before sync-kit dead-letters the message. @default 20 */
  readonly maxAttempts?: number
  /**
   * Most messages sync-kit's consumer applies in one database transaction. A chunk holds every
   * lock its handlers took until its last handler is done, so one slow handler (an external call)
   * keeps other messages' rows locked meanwhile; 1 gives each message its own transaction.
   * @default sync-kit's default
   */
  readonly maxBatchSize?: number
  /** How long `subscribe` keeps retrying a retryable start failure (a broker still loading). @default 60000 */
  readonly startTimeoutMs?: number
  /** @default a silent logger */
  readonly logger?: Logger
}

const WHERE = 'createSyncKitTransport()'

/** Throws `E_SAGA_INVALID_OPTION` naming the first option of `options` that is wrong. */
function checkSyncKitTransportOptions(options: SyncKitTransportOptions): void {
  checkOptions(WHERE, options)
  checkPort(WHERE, 'store', options.store, 'a sync-kit ConsumerStore', [
    'transaction',
    'claim',
    'lastSequence',
  ])
  if (options.db !== undefined)
    checkPort(WHERE, 'db', options.db, 'a pg Pool', ['query', 'connect'])
  if (typeof options.eventConsumer !== 'function') {
    throw invalidOption(
      WHERE,
      'eventConsumer',
      options.eventConsumer,
      'a function returning a sync-kit EventConsumer',
    )
  }
  checkPort(WHERE, 'deadLetters', options.deadLetters, 'a sync-kit EventPublisher', ['publish'])
  if (options.groupPrefix !== undefined) checkText(WHERE, 'groupPrefix', options.groupPrefix)
  checkFunction(WHERE, 'topic', options.topic)
  checkInt(WHERE, 'maxAttempts', options.maxAttempts, 20, 1, 1_000_000)
  if (options.maxBatchSize !== undefined) {
    checkInt(WHERE, 'maxBatchSize', options.maxBatchSize, 1, 1, 100_000)
  }
  checkMs(WHERE, 'startTimeoutMs', options.startTimeoutMs, 60_000, 0)
  if (options.logger !== undefined) {
    checkPort(WHERE, 'logger', options.logger, 'a Logger', ['debug', 'info', 'warn', 'error'])
  }
}

/** The topic a relay publishes a channel's messages to, sync-kit's `outbox.event.<aggregateType>`. */
const defaultTopic = (channel: string): string => `outbox.event.${channel}`

/** What to run when sync-kit's tables are missing (sync-kit's own migration function). */
const SYNC_KIT_MIGRATE = 'migrateSyncKit(db) from @faultline/sync-kit'

function syncKitSchemaMissing(found: string, cause?: unknown): SagaKitError {
  return new SagaKitError(
    'E_SAGA_SCHEMA_MISSING',
    `createSyncKitTransport(): ${found}. The sync-kit transport keeps saga messages in sync-kit's outbox and inbox: run ${SYNC_KIT_MIGRATE} on this database once, besides migrateSagaKit(db).`,
    { cause },
  )
}

/** Throws E_SAGA_SCHEMA_MISSING unless `db` holds sync-kit's outbox and inbox tables. */
async function requireSyncKitSchema(db: Pool): Promise<void> {
  const { rows } = await db.query<{ missing: string[] }>(
    `SELECT array_remove(ARRAY[
       CASE WHEN to_regclass('sync_outbox') IS NULL THEN 'sync_outbox' END,
       CASE WHEN to_regclass('sync_inbox') IS NULL THEN 'sync_inbox' END], NULL) AS missing`,
  )
  const missing = rows[0]?.missing ?? []
  if (missing.length > 0) {
    throw syncKitSchemaMissing(`sync-kit's ${missing.join(' and ')} table is not in this database`)
  }
}

/** A Postgres "no such table" about sync-kit's outbox as E_SAGA_SCHEMA_MISSING; else unchanged. */
function asSyncKitSchemaError(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code
  const message = error instanceof Error ? error.message : String(error)
  if (code === '42P01' && /sync_/.test(message)) {
    return syncKitSchemaMissing(`Postgres says: ${message}`, error)
  }
  return error
}

/**
 * Creates the channel's topic when it does not exist, through the dead-letter publisher (a
 * topic is then created with the broker's default partition count, `num.partitions`), so a
 * subscription never waits on a topic nobody created. A publisher that cannot create topics
 * leaves it to the broker. Failing to check or create it is `E_SAGA_TOPIC_MISSING`, naming it.
 */
async function ensureChannelTopic(
  publisher: EventPublisher,
  topic: string,
  logger: Logger,
): Promise<void> {
  if (publisher.ensureTopic === undefined) return
  try {
    const status = await publisher.ensureTopic({ topic, fitMessagesOf: [], headroomBytes: 0 })
    if (status.created) logger.info({ topic }, 'saga-kit: created the topic of a saga channel')
  } catch (error) {
    throw new SagaKitError(
      'E_SAGA_TOPIC_MISSING',
      `createSyncKitTransport(): topic "${topic}" could not be checked or created (${error instanceof Error ? error.message : String(error)}). Create it (e.g. kafka-topics --create --topic ${topic}), or let the deadLetters publisher's client create topics.`,
      { cause: error, retryable: isSyncKitError(error) && error.retryable, context: { topic } },
    )
  }
}

/** Retries a start that fails with a retryable sync-kit error, e.g. "coordinator is loading". */
async function startWithRetry(start: () => Promise<void>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (let delay = 100; ; delay = Math.min(delay * 2, 2_000)) {
    try {
      return await start()
    } catch (error) {
      if (!isSyncKitError(error) || !error.retryable || Date.now() + delay > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, delay))
    }
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** True for a payload shaped like a {@link SagaMessage} (its body is checked by the handler). */
function isSagaMessage(message: unknown): message is SagaMessage {
  return (
    isRecord(message) &&
    typeof message.id === 'string' &&
    typeof message.type === 'string' &&
    (message.key === undefined || typeof message.key === 'string') &&
    (message.headers === undefined || isRecord(message.headers))
  )
}

/**
 * The saga message an event carries. A payload that is not one (something else wrote to the
 * topic) is handed on as the body of a message under the event's id: no saga handler can decode
 * that body, so the handler rejects it at once into its own `saga.dead_letter` and the message
 * is consumed. Throwing instead would have sync-kit retry it (a payload never changes) for its
 * whole retry budget, holding back every saga message behind it on the partition.
 */
function toMessage(event: EventEnvelope): SagaMessage {
  const message = event.payload
  if (!isSagaMessage(message)) {
    return {
      id: event.id,
      key: event.aggregateId,
      type: event.type,
      body: message,
      headers: { ...event.headers },
    }
  }
  return {
    id: message.id,
    key: message.key ?? '',
    type: message.type,
    body: message.body,
    headers: message.headers ?? {},
  }
}

/**
 * Commands, replies and events through sync-kit: `send` appends to the outbox in the caller's
 * transaction (aggregate type = channel, aggregate id = message key, so one saga's messages keep
 * their order); a relay moves them to Kafka; `subscribe` runs a sync-kit consumer whose inbox
 * drops redeliveries before the saga handler (which is idempotent on its own as well).
 */
export class SyncKitTransport implements SagaTransport {
  readonly #options: SyncKitTransportOptions
  /** Fed by sync-kit's consumers: a store outage they wait out is logged here, once. */
  readonly #health: DatabaseHealth
  constructor(options: SyncKitTransportOptions) {
    this.#options = options

    checkSyncKitTransportOptions(options)
    const endpoint = options.db === undefined ? undefined : databaseEndpoint(options.db)
    const logger = options.logger ?? silentLogger
    this.#health = new DatabaseHealth('sync-kit transport', endpoint, logger, systemClock)
  }

  /**
   * Whether the consumer store's database answers, as the transport's consumers last found it
   * (sync-kit waits a store outage out and reports it; an applied message reports recovery).
   */
  metrics(): TransportMetricsSnapshot {
    return { database: this.#health.status() }
  }

  async send(tx: SagaTx, channel: string, message: SagaMessage): Promise<void> {
    const event = {
      aggregateType: channel,
      aggregateId: message.key,
      type: SAGA_EVENT_TYPE,
      payload: message,
      headers: message.headers,
    }
    // In saga-kit's own transactions the outbox row rides with the transaction's last write
    // (the checkpoint, the participant's inbox entry) instead of costing a round trip.
    if (tx instanceof ClientTx && tx.defers) await tx.defer(appendOneStatement(event, Date.now()))
    else
      await appendEvents(tx.client, [event]).catch((error: unknown) => {
        throw asSyncKitSchemaError(error)
      })
  }

  async subscribe(channel: string, handler: MessageHandler): Promise<Subscription> {
    const settings = this.#options
    const logger = settings.logger ?? silentLogger
    const { db } = settings
    // The saga transaction of each event's latest attempt, by event id. sync-kit reports
    // `consumer:applied` only after the inbox transaction committed, which is when the handler's
    // after-commit hooks may run; a failed attempt's entry is replaced by the retry's.
    if (db !== undefined) await requireSyncKitSchema(db)
    const topic = (settings.topic ?? defaultTopic)(channel)
    await ensureChannelTopic(settings.deadLetters, topic, logger)
    const pending = new Map<string, ClientTx>()
    const onEvent = (event: ConsumerEvent): void => {
      this.#observe(event)
      if (db === undefined) return
      if (event.type !== 'consumer:applied' && event.type !== 'consumer:dead-lettered') return
      if (event.eventId === undefined) return
      const tx = pending.get(event.eventId)
      pending.delete(event.eventId)
      if (event.type === 'consumer:applied')
        tx?.runHooks((error) =>
          logger.error({ error: String(error) }, 'saga-kit: after-commit hook failed'),
        )
    }
    const consumer = createConsumer<PoolClient>({
      groupId: `${settings.groupPrefix ?? 'saga'}.${channel}`,
      topics: [topic],
      handlers: {
        [SAGA_EVENT_TYPE]: async (client, event) => {
          const message = toMessage(event)
          if (db === undefined) return handler(message)
          // Writes the handler defers are sent here, before sync-kit commits the inbox entry.
          const tx = new ClientTx(client, false, true)
          pending.set(event.id, tx)
          await handler(message, { db, tx })
          await tx.flush()
        },
      },
      onEvent,
      consumer: settings.eventConsumer(),
      db: settings.store,
      deadLetters: settings.deadLetters,
      // Saga handlers tolerate any order; holding back on a gap would only add latency.
      gapPolicy: 'report',
      maxAttempts: settings.maxAttempts ?? 20,
      ...(settings.maxBatchSize === undefined ? {} : { maxBatchSize: settings.maxBatchSize }),
      logger,
    })
    await startWithRetry(() => consumer.start(), settings.startTimeoutMs ?? 60_000)
    return {
      close: async () => {
        await consumer.stop()
        pending.clear()
      },
    }
  }

  /** What a consumer event says about the store's database. */
  #observe(event: ConsumerEvent): void {
    if (event.type === 'consumer:store-unavailable') this.#health.unreachable(event.error)
    else if (event.type === 'consumer:applied' || event.type === 'consumer:duplicate')
      this.#health.succeeded()
  }
}

/** Creates a {@link SyncKitTransport}. */
export function createSyncKitTransport(options: SyncKitTransportOptions): SyncKitTransport {
  return new SyncKitTransport(options)
}
