import type { Pool, PoolClient } from 'pg'
import type { SagaTx } from '../core/types.js'
import { requireSagaSchema } from '../engine/schema.js'
import { runInTx } from '../engine/client-tx.js'
import { checkInt, checkMs, checkOptions, checkPort } from '../validate.js'
import { DatabaseHealth } from '../health/database-health.js'
import { databaseEndpoint } from '../health/unreachable.js'
import type { TransportMetricsSnapshot } from '../health/transport-metrics.js'
import { type Clock, type Logger, silentLogger, systemClock } from '@faultline/common'
import {
  type MessageHandler,
  type SagaTransport,
  type Subscription,
  type SagaMessage,
} from '../ports.js'

/** Options of {@link createPgQueueTransport}. */
export interface PgQueueTransportOptions {
  /** The database holding `saga.message`; senders' transactions must be on this database. */
  readonly db: Pool
  /** Longest idle wait between polls; a NOTIFY from `send` wakes pollers sooner. @default 250 */
  readonly pollIntervalMs?: number
  /** Messages claimed per poll. @default 20 */
  readonly batchSize?: number
  /** Pollers per subscription; SKIP LOCKED spreads rows between them and other processes. @default 2 */
  readonly concurrency?: number
  /** Delay before a message whose handler failed is visible again. @default 200 */
  readonly redeliveryDelayMs?: number
  /** @default the wall clock */
  readonly clock?: Clock
  /** @default a silent logger */
  readonly logger?: Logger
}

/**
 * A durable transport on one Postgres database, for teams without Kafka and for tests that kill
 * processes: `send` inserts into `saga.message` in the caller's transaction (an outbox), and
 * subscribers claim rows with `FOR UPDATE SKIP LOCKED`, deleting each after its handler succeeded
 * (at-least-once; a crash mid-handler leaves the row for redelivery).
 */
export class PgQueueTransport implements SagaTransport {
  readonly #clock: Clock
  readonly #logger: Logger
  readonly #waiters = new Map<string, Set<() => void>>()
  /** Channels notified while no poller was waiting: the next idle() returns at once. */
  readonly #pending = new Set<string>()
  #listener: Promise<PoolClient> | undefined
  #subscriptions = 0
  readonly #options: PgQueueTransportOptions
  /** Every poll tells whether the database answers; an outage is logged there, once. */
  readonly #health: DatabaseHealth
  constructor(options: PgQueueTransportOptions) {
    this.#options = options

    const where = 'createPgQueueTransport()'
    checkOptions(where, options)
    checkPort(where, 'db', options.db, 'a pg Pool', ['query', 'connect'])
    checkMs(where, 'pollIntervalMs', options.pollIntervalMs, 250)
    checkInt(where, 'batchSize', options.batchSize, 20, 1, 10_000)
    checkInt(where, 'concurrency', options.concurrency, 2, 1, 1_000)
    checkMs(where, 'redeliveryDelayMs', options.redeliveryDelayMs, 200, 0)
    if (options.clock !== undefined) checkPort(where, 'clock', options.clock, 'a Clock', ['now'])
    if (options.logger !== undefined) {
      checkPort(where, 'logger', options.logger, 'a Logger', ['debug', 'info', 'warn', 'error'])
    }
    this.#clock = options.clock ?? systemClock
    this.#logger = options.logger ?? silentLogger
    const endpoint = databaseEndpoint(options.db)
    this.#health = new DatabaseHealth('pg queue transport', endpoint, this.#logger, this.#clock)
  }

  /** Whether the queue's database answers, as its pollers last found it. */
  metrics(): TransportMetricsSnapshot {
    return { database: this.#health.status() }
  }

  /**
   * Queues the message in the caller's transaction, with a NOTIFY (delivered when it commits,
   * dropped when it rolls back) that wakes the channel's idle pollers, in one round trip.
   */
  async send(tx: SagaTx, channel: string, message: SagaMessage): Promise<void> {
    await tx.client.query(
      `WITH queued AS (
         INSERT INTO saga.message (channel, message, visible_at) VALUES ($1, $2, $3) RETURNING channel)
       SELECT pg_notify('saga_message', channel) FROM queued`,
      [channel, JSON.stringify(message), this.#clock.now()],
    )
  }

  async subscribe(channel: string, handler: MessageHandler): Promise<Subscription> {
    await requireSagaSchema(this.#options.db, 'the Postgres queue transport')
    await this.#listen()
    this.#subscriptions++
    let open = true
    const pollers: Promise<void>[] = []
    for (let index = 0; index < (this.#options.concurrency ?? 2); index++) {
      pollers.push(this.#poll(channel, handler, () => open))
    }
    return {
      close: async () => {
        open = false
        this.#wake(channel)
        await Promise.all(pollers)
        if (--this.#subscriptions === 0) await this.#unlisten()
      },
    }
  }

  #listen(): Promise<PoolClient> {
    this.#listener ??= (async () => {
      const client = await this.#options.db.connect()
      client.on('notification', (notification) => this.#wake(notification.payload ?? ''))
      client.on('error', (error) =>
        this.#logger.warn({ error: String(error) }, 'saga-kit: pg queue listener lost'),
      )
      await client.query('LISTEN saga_message')
      return client
    })()
    return this.#listener
  }

  /**
   * Closes the listening connection rather than handing it back to the pool: a session that
   * LISTENed is no use to the pool's next user, and an idle one the server drops would surface
   * as an 'error' event on the caller's pool.
   */
  async #unlisten(): Promise<void> {
    const client = await this.#listener
    this.#listener = undefined
    client?.release(true)
  }

  #wake(channel: string): void {
    const set = this.#waiters.get(channel)
    if (set === undefined || set.size === 0) this.#pending.add(channel)
    for (const resolve of set ?? []) resolve()
    this.#waiters.delete(channel)
  }

  #idle(channel: string): Promise<void> {
    if (this.#pending.delete(channel)) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.#options.pollIntervalMs ?? 250)
      const set = this.#waiters.get(channel) ?? new Set()
      this.#waiters.set(channel, set.add(done))
      function done(): void {
        clearTimeout(timer)
        set.delete(done)
        resolve()
      }
    })
  }

  async #poll(channel: string, handler: MessageHandler, isOpen: () => boolean): Promise<void> {
    while (isOpen()) {
      let handled = 0
      try {
        handled = await this.pollOnce(channel, handler)
        this.#health.succeeded()
      } catch (error) {
        if (!this.#health.failed(error))
          this.#logger.error({ channel, error: String(error) }, 'saga-kit: pg queue poll failed')
      }
      if (handled === 0 && isOpen()) await this.#idle(channel)
    }
  }

  /** Claims and handles one batch; returns how many messages it claimed. */
  async pollOnce(channel: string, handler: MessageHandler): Promise<number> {
    return runInTx(this.#options.db, async (tx) => {
      const now = this.#clock.now()
      const { rows } = await tx.client.query<{ id: string; message: SagaMessage }>(
        `SELECT id, message FROM saga.message WHERE channel = $1 AND visible_at <= $2
         ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED`,
        [channel, now, this.#options.batchSize ?? 20],
      )
      for (const row of rows) {
        try {
          await handler(row.message)
          await tx.client.query('DELETE FROM saga.message WHERE id = $1', [row.id])
        } catch (error) {
          this.#logger.warn(
            {
              channel,
              error: String(error),
            },
            'saga-kit: handler failed; message will be redelivered',
          )
          await tx.client.query(
            'UPDATE saga.message SET visible_at = $2, attempts = attempts + 1 WHERE id = $1',
            [row.id, now + (this.#options.redeliveryDelayMs ?? 200)],
          )
        }
      }
      return rows.length
    })
  }
}

/** Creates a {@link PgQueueTransport}. */
export function createPgQueueTransport(options: PgQueueTransportOptions): PgQueueTransport {
  return new PgQueueTransport(options)
}
