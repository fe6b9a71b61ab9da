import pg from 'pg'
import type { Pool } from 'pg'
import { SyncKitError, describeError, isSyncKitError } from '../errors.js'
import { formatLsn, parseLsn, type Lsn } from '../lsn.js'
import { requireTables } from '../schema.js'
import { AckTracker } from './ack-tracker.js'
import { faultHook, type FaultHook } from './faults.js'
import { RELAY_DEFAULTS, checkCommon, checkPositive, toClientConfig } from './options.js'
import type { RelayCommonOptions } from './options.js'
import { decodePgOutput, type ReplicationFrame } from './pgoutput.js'
import { BrokerHealth, type BrokerStatus } from './broker-health.js'
import { PublishQueue } from './publish-queue.js'
import { RefusedEvents } from './refused.js'
import { ReplicationStream } from './replication-stream.js'
import { emitHeartbeat, ensurePublication, ensureSlot } from './slot.js'
import { rowToMessage } from './to-message.js'
import { TxAssembler, type CommittedTx } from './tx-assembler.js'
import { SlotMonitor, type SlotMetrics } from './slot-monitor.js'

/** Options for {@link createLogicalRelay}. */
export interface LogicalRelayOptions extends RelayCommonOptions {
  /** Replication slot name. @default 'sync_kit_relay' */
  slot?: string
  /** Publication name. @default 'sync_kit_outbox' */
  publication?: string
  /** Create the slot and publication when missing. @default true */
  create?: boolean
  /** Outbox table (in `public`). @default 'sync_outbox' */
  table?: string
  /** How often the acknowledged LSN is reported even without a keepalive request. @default 1000 */
  statusIntervalMs?: number
  /** How often a `pg_logical_emit_message` heartbeat is written (0 = never). @default 10000 */
  heartbeatIntervalMs?: number
  /** How often slot status and retained WAL are read. @default 10000 */
  metricsIntervalMs?: number
  /** Warn when the slot retains more WAL than this. @default 1 GiB */
  retainedWalWarnBytes?: bigint
  /** Called with fresh slot metrics, e.g. to export them. */
  onSlotMetrics?: (metrics: SlotMetrics) => void
  /** Pause reading the stream while more events than this wait for the broker. @default 20000 */
  maxQueuedEvents?: number
  /** Wait this long for a slot still held by a dead predecessor before failing. @default 5000 */
  slotWaitMs?: number
  /** Delay before reconnecting after the stream drops. @default 500 */
  reconnectDelayMs?: number
  /**
   * Alarm: the relay stopped for good, because reconnecting cannot succeed without an operator
   * (its slot was dropped or invalidated while it ran, or no longer decodes this database). The
   * error says what happened; the relay has released its resources. Also logged as an error.
   */
  onFailed?: (error: SyncKitError) => void
  /**
   * Acknowledge each transaction to Postgres as soon as it is received, before the broker has
   * it. UNSAFE: a crash loses events. Exists only so tests can show the hazard. @default false
   */
  unsafeAckOnReceipt?: boolean
}

/** Counters of a relay. */
export interface RelayStats {
  readonly receivedEvents: number
  readonly publishedEvents: number
  readonly queuedEvents: number
  readonly publishFailures: number
  /** Events the broker refused for good; their records went to the invalid-row topic. */
  readonly rejectedEvents: number
  readonly reconnects: number
  /** The broker's endpoint and whether it answers (a wrong broker shows here and in the log). */
  readonly broker: BrokerStatus
  /** The LSN last reported to Postgres as flushed, as `X/Y` text. */
  readonly ackedLsn: Lsn
  /**
   * How long the last heartbeat took from `pg_logical_emit_message` to this relay: end-to-end
   * replication lag in milliseconds, measured even while the outbox is idle. Undefined until the
   * first heartbeat arrives (or with heartbeats off).
   */
  readonly heartbeatLagMs: number | undefined
}

/** The `pg_logical_emit_message` prefix of relay heartbeats. */
export const HEARTBEAT_PREFIX = 'sync-kit-heartbeat'

const DEFAULTS = {
  slot: 'sync_kit_relay',
  publication: 'sync_kit_outbox',
  create: true,
  table: 'sync_outbox',
  statusIntervalMs: 1000,
  heartbeatIntervalMs: 10_000,
  metricsIntervalMs: 10_000,
  retainedWalWarnBytes: 1n << 30n,
  maxQueuedEvents: 20_000,
  slotWaitMs: 5000,
  reconnectDelayMs: 500,
} as const

/**
 * Relay A: streams the outbox table through pgoutput and publishes each committed event with
 * key = aggregateId. Postgres is told only the contiguous LSN below which every event is
 * durably in the broker, so after any crash the slot replays whatever was not.
 */
export class LogicalRelay {
  readonly #options: Required<
    Omit<LogicalRelayOptions, 'onSlotMetrics' | 'onRejected' | 'onFailed'>
  > &
    Pick<LogicalRelayOptions, 'onSlotMetrics' | 'onRejected' | 'onFailed'>
  readonly #pool: Pool
  readonly #faults: FaultHook | undefined
  readonly #queue: PublishQueue
  readonly #broker: BrokerHealth
  readonly #refused: RefusedEvents
  readonly #monitor: SlotMonitor
  #stream: ReplicationStream | undefined
  #tracker = new AckTracker()
  #assembler: TxAssembler
  #timers: NodeJS.Timeout[] = []
  #running = false
  #paused = false
  #loop: Promise<void> | undefined
  #received = 0
  #reconnects = 0
  #acked = 0n
  #heartbeatLagMs: number | undefined
  #sessionEnded: (() => void) | undefined
  #ended: Promise<void> = Promise.resolve()

  constructor(options: LogicalRelayOptions) {
    checkCommon(options)
    for (const k of ['statusIntervalMs', 'metricsIntervalMs', 'maxQueuedEvents'] as const) {
      checkPositive(k, options[k])
    }
    this.#options = { ...RELAY_DEFAULTS, ...DEFAULTS, unsafeAckOnReceipt: false, ...options }
    this.#faults = faultHook(options)
    this.#pool = new pg.Pool({ ...toClientConfig(options.connection), max: 2 })
    this.#pool.on('error', (err) =>
      this.#options.logger.warn({ error: err.message }, 'relay pool error'),
    )
    this.#assembler = new TxAssembler('public', this.#options.table)
    this.#refused = new RefusedEvents(
      this.#options.invalidTopic,
      this.#options.logger,
      this.#options.onRejected,
    )
    this.#broker = new BrokerHealth(this.#options.publisher, this.#options.logger)
    this.#queue = new PublishQueue({
      ...this.#options,
      health: this.#broker,
      faults: this.#faults,
      divert: (message, error, isRecord) => this.#refused.divert(message, error, isRecord),
    })
    this.#monitor = new SlotMonitor(
      this.#pool,
      this.#options.slot,
      this.#options.retainedWalWarnBytes,
      this.#options.logger,
    )
  }

  /**
   * Ensures the publication and slot, then starts streaming. Rejects with `E_SYNC_SLOT_IN_USE`
   * when another connection holds the slot past `slotWaitMs`. After a successful start, dropped
   * connections are retried in the background.
   */
  async start(): Promise<void> {
    if (this.#running) return
    this.#running = true
    try {
      await requireTables(this.#pool, [this.#options.table], 'logical relay')
      if (this.#options.create)
        await ensurePublication(this.#pool, this.#options.publication, this.#options.table)
      await this.#broker.warmUp()
      await this.#openSession()
    } catch (err) {
      this.#running = false
      await this.#pool.end().catch(() => undefined)
      throw err
    }
    this.#startTimers()
    this.#loop = this.#supervise()
  }

  /** Stops streaming after publishing what was received, and reports the final LSN. */
  async stop(drainTimeoutMs = 5000): Promise<void> {
    if (!this.#running) return
    this.#running = false
    this.#stopTimers()
    let drainTimer: NodeJS.Timeout | undefined
    await Promise.race([
      this.#queue.drained(),
      new Promise((resolve) => (drainTimer = setTimeout(resolve, drainTimeoutMs))),
    ])
    clearTimeout(drainTimer)
    this.#sendStatus()
    this.#queue.stop()
    await this.#stream?.close()
    this.#sessionEnded?.()
    await this.#loop
    await this.#pool.end().catch(() => undefined)
  }

  /** Counters for dashboards and tests. */
  stats(): RelayStats {
    return {
      receivedEvents: this.#received,
      publishedEvents: this.#queue.published,
      queuedEvents: this.#queue.size,
      publishFailures: this.#queue.failures,
      rejectedEvents: this.#refused.count,
      reconnects: this.#reconnects,
      broker: this.#broker.status(),
      ackedLsn: formatLsn(this.#acked),
      heartbeatLagMs: this.#heartbeatLagMs,
    }
  }

  /** Reads the slot's status and retained WAL now (and warns above the threshold). */
  slotMetrics(): Promise<SlotMetrics> {
    return this.#monitor.poll()
  }

  /**
   * Streams from the slot. On a reconnect the slot is never created: a slot that disappeared
   * while the relay ran took the unpublished events with it, and a new one would start past them
   * in silence.
   */
  async #openSession(reconnect = false): Promise<void> {
    const status = await this.#waitForSlot(reconnect)
    this.#tracker = new AckTracker(parseLsn(status.confirmedFlushLsn ?? '0/0'))
    this.#assembler = new TxAssembler('public', this.#options.table)
    const ended = new Promise<void>((resolve) => (this.#sessionEnded = resolve))
    const stream = new ReplicationStream({
      connection: toClientConfig(this.#options.connection),
      slot: this.#options.slot,
      publication: this.#options.publication,
      startLsn: this.#acked,
      onFrame: (f) => this.#onFrame(f),
      onClose: (err) => {
        if (err) this.#options.logger.warn({ error: err.message }, 'replication stream closed')
        this.#sessionEnded?.()
      },
    })
    this.#stream = stream
    this.#paused = false
    await stream.start()
    this.#ended = ended
  }

  async #waitForSlot(reconnect: boolean) {
    const deadline = this.#options.clock.now() + this.#options.slotWaitMs
    for (;;) {
      try {
        return await ensureSlot(this.#pool, this.#options.slot, this.#options.create && !reconnect)
      } catch (err) {
        if (reconnect && isSyncKitError(err, 'E_SYNC_INVALID_OPTION')) throw slotGone(err)
        if (!isSyncKitError(err, 'E_SYNC_SLOT_IN_USE') || this.#options.clock.now() >= deadline)
          throw err
        await new Promise((r) => setTimeout(r, 250))
      }
    }
  }

  /**
   * Reconnects whenever the stream drops, until stop(): a Postgres restart or a network cut heals
   * by itself, so there is no attempt limit (each failure is logged). An error that no reconnect
   * can fix (not retryable: the slot was dropped or invalidated) stops the relay with `onFailed`.
   */
  async #supervise(): Promise<void> {
    while (this.#running) {
      await this.#ended
      if (!this.#running) return
      this.#reconnects++
      await new Promise((r) => setTimeout(r, this.#options.reconnectDelayMs))
      if (!this.#running) return
      try {
        await this.#stream?.close()
        await this.#openSession(true)
      } catch (err) {
        if (isSyncKitError(err) && !err.retryable) return this.#fail(err)
        this.#options.logger.warn({ error: describeError(err) }, 'relay reconnect failed')
        this.#ended = Promise.resolve()
      }
    }
  }

  /** Stops for good after an error no reconnect can fix, releasing what the relay holds. */
  async #fail(error: SyncKitError): Promise<void> {
    this.#running = false
    this.#stopTimers()
    this.#queue.stop()
    this.#options.logger.error(
      {
        slot: this.#options.slot,
        error: error.message,
      },
      'relay stopped: it cannot stream its slot again',
    )
    this.#options.onFailed?.(error)
    await this.#pool.end().catch(() => undefined)
  }

  #onFrame(frame: ReplicationFrame): void {
    if (frame.kind === 'keepalive') {
      if (!this.#assembler.inTransaction && this.#tracker.pendingTransactions === 0) {
        this.#tracker.idleAt(frame.walEnd)
      }

      if (frame.replyRequested) this.#sendStatus()
      return
    }
    const message = decodePgOutput(frame.data)
    if (message.tag === 'message' && message.prefix === HEARTBEAT_PREFIX) {
      this.#heartbeatLagMs = this.#options.clock.now() - Number(message.content.toString('utf8'))
    }
    const tx = this.#assembler.push(message)
    if (tx) this.#onCommitted(tx)
  }

  #onCommitted({ endLsn, rows, typesChecked }: CommittedTx): void {
    const tracker = this.#tracker
    const handle = tracker.add(endLsn, this.#options.unsafeAckOnReceipt ? 0 : rows.length)
    if (this.#options.unsafeAckOnReceipt) this.#sendStatus()
    if (rows.length === 0) return
    this.#received += rows.length
    const { topic, invalidTopic, logger } = this.#options
    const commitLsn = formatLsn(endLsn)
    const messages = rows.map((r) =>
      rowToMessage(r, topic, invalidTopic, logger, typesChecked, commitLsn),
    )
    // Fault hooks here must act synchronously (e.g. SIGKILL) so arrival order is kept.
    void this.#faults?.('relay:received', { events: rows.length })
    // One callback per transaction, shared by its messages: a closure per event was a measurable
    // cost at tens of thousands of events a second.
    const onDurable = () => this.#onDurable(handle)
    this.#queue.push(messages.map((message) => ({ message, onDurable })))
    if (!this.#paused && this.#queue.size > this.#options.maxQueuedEvents) {
      this.#paused = true
      this.#stream?.pause()
    }
  }

  #onDurable(handle: { ack(): void }): void {
    handle.ack()
    if (this.#paused && this.#queue.size < this.#options.maxQueuedEvents / 2) {
      this.#paused = false
      this.#stream?.resume()
    }
  }

  #sendStatus(): void {
    const lsn = this.#tracker.watermark
    if (lsn > this.#acked) this.#acked = lsn
    void this.#faults?.('relay:before-ack', { events: 0 })
    this.#stream?.sendStatus(this.#acked)
  }

  /** Clears the interval timers and forgets them, so a restarted relay starts from none. */
  #stopTimers(): void {
    for (const timer of this.#timers) clearInterval(timer)
    this.#timers = []
  }

  #startTimers(): void {
    this.#timers.push(setInterval(() => this.#sendStatus(), this.#options.statusIntervalMs))
    if (this.#options.heartbeatIntervalMs > 0) {
      this.#timers.push(
        setInterval(() => {
          emitHeartbeat(this.#pool, HEARTBEAT_PREFIX, this.#options.clock.now()).catch(
            (err: unknown) =>
              this.#options.logger.warn({ error: describeError(err) }, 'heartbeat failed'),
          )
        }, this.#options.heartbeatIntervalMs),
      )
    }
    this.#timers.push(
      setInterval(() => {
        this.#monitor.poll().then(
          (m) => this.#options.onSlotMetrics?.(m),
          (err: unknown) =>
            this.#options.logger.warn({ error: describeError(err) }, 'slot metrics failed'),
        )
      }, this.#options.metricsIntervalMs),
    )
    for (const t of this.#timers) t.unref()
  }
}

/** The error for a slot that is missing or unusable when the relay reconnects. */
function slotGone(cause: SyncKitError): SyncKitError {
  return new SyncKitError(
    'E_SYNC_REPLICATION',
    `the relay's replication slot cannot be streamed any more (${cause.message}); it was not ` +
      'recreated, since events committed before a new slot would never be published: create it ' +
      'again and backfill what it missed, then start the relay',
    { cause, context: cause.context },
  )
}

/** Creates relay A (logical replication). Call `start()` to run it. */
export function createLogicalRelay(options: LogicalRelayOptions): LogicalRelay {
  return new LogicalRelay(options)
}
