import pg from 'pg'
import type { Pool } from 'pg'
import { SyncKitError, describeError } from '../errors.js'
import { RELAY_DEFAULTS, checkCommon, checkPositive, toClientConfig } from './options.js'
import type { RelayCommonOptions } from './options.js'
import { faultHook, type FaultHook } from './faults.js'
import { SCHEMA_TABLES, requireTables } from '../schema.js'
import { PendingRows } from './pending-rows.js'
import {
  fetchRows,
  loadCursor,
  markDeliveredAndSave,
  outboxTypesChecked,
  scanOutbox,
  type FetchedRow,
  type PollCursor,
} from './polling-query.js'
import { BrokerHealth, type BrokerStatus } from './broker-health.js'
import { PublishQueue } from './publish-queue.js'
import { RefusedEvents } from './refused.js'
import { rowToMessage } from './to-message.js'
import { oldestTransaction, type StallReport } from './stall.js'

/** Options for {@link createPollingRelay}. */
export interface PollingRelayOptions extends RelayCommonOptions {
  /**
   * Name of the saved scan position. Run one polling relay per outbox table: delivered rows are
   * marked in the table itself. @default 'default'
   */
  name?: string
  /** Outbox table (in the search path). @default 'sync_outbox' */
  table?: string
  /** Pause between polls when caught up. @default 100 */
  pollIntervalMs?: number
  /** Alarm when committed events have waited this long behind a running transaction. @default 5000 */
  stallAlarmMs?: number
  /** Called (at most once per poll) while delivery is stalled past `stallAlarmMs`. */
  onStall?: (report: StallReport) => void
}

const DEFAULTS = { name: 'default', table: 'sync_outbox', pollIntervalMs: 100, stallAlarmMs: 5000 }

/** Counters of the polling relay. */
export interface PollingRelayStats {
  readonly publishedEvents: number
  readonly publishFailures: number
  /** Events the broker refused for good; their records went to the invalid-row topic. */
  readonly rejectedEvents: number
  readonly polls: number
  /** The broker's endpoint and whether it answers (a wrong broker shows here and in the log). */
  readonly broker: BrokerStatus
  readonly stalls: number
  /**
   * Rows read by polls. Each row is read once when its transaction falls below the horizon (and
   * again only after a restart or an error), so this grows with the events, not with polls times
   * backlog.
   */
  readonly scannedRows: number
}

/** Where the relay is: the saved cursor, the rows waiting in commit order, where to scan next. */
interface PollState {
  cursor: PollCursor
  readonly pending: PendingRows
  /** The horizon of the previous scan: every row below it is already pending or delivered. */
  scanFrom: string
  lastSavedAt: number
  /** Whether Postgres's column types guarantee id, payload and headers (read on every restore). */
  readonly typesChecked: boolean
}

/** An idle relay saves an advancing `lowXid` at most this often. */
const IDLE_SAVE_MS = 1000

/**
 * Relay B: gap-free polling for databases where logical replication is not allowed. Reads only
 * below the transaction horizon, in commit order; saves its cursor only after the broker has
 * every event of the batch, so a crash re-sends rather than skips.
 */
export class PollingRelay {
  readonly #options: Required<Omit<PollingRelayOptions, 'onStall' | 'onRejected'>> &
    Pick<PollingRelayOptions, 'onStall' | 'onRejected'>
  readonly #pool: Pool
  readonly #faults: FaultHook | undefined
  readonly #queue: PublishQueue
  readonly #broker: BrokerHealth
  readonly #refused: RefusedEvents
  #running = false
  #loop: Promise<void> | undefined
  #wake: (() => void) | undefined
  #polls = 0
  #stalls = 0
  #scannedRows = 0

  constructor(options: PollingRelayOptions) {
    checkCommon(options)
    checkPositive('pollIntervalMs', options.pollIntervalMs)
    checkPositive('stallAlarmMs', options.stallAlarmMs)
    this.#options = { ...RELAY_DEFAULTS, ...DEFAULTS, ...options }
    this.#faults = faultHook(options)
    this.#pool = new pg.Pool({ ...toClientConfig(options.connection), max: 2 })
    this.#pool.on('error', (err) =>
      this.#options.logger.warn({ error: err.message }, 'relay pool error'),
    )
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
  }

  /** Checks the database can serve the relay, then polls in the background until `stop()`. */
  async start(): Promise<void> {
    if (this.#running) return
    await requireTables(this.#pool, SCHEMA_TABLES.pollingRelay, 'polling relay').catch(
      async (err: unknown) => {
        await this.#pool.end().catch(() => undefined)
        throw err
      },
    )
    const r = await this.#pool.query<{ v: string }>(
      "SELECT current_setting('track_commit_timestamp') AS v",
    )
    if (r.rows[0]?.v !== 'on') {
      await this.#pool.end()
      throw new SyncKitError(
        'E_SYNC_INVALID_OPTION',
        'the polling relay needs track_commit_timestamp=on to deliver in commit order',
      )
    }
    await this.#broker.warmUp()
    this.#running = true
    this.#loop = this.#run()
  }

  /** Stops polling; waits up to `drainTimeoutMs` for the batch in flight to reach the broker. */
  async stop(drainTimeoutMs = 5000): Promise<void> {
    if (!this.#running) return
    this.#running = false
    this.#wake?.()
    const timer = setTimeout(() => this.#queue.stop(), drainTimeoutMs)
    await this.#loop
    clearTimeout(timer)
    await this.#pool.end().catch(() => undefined)
  }

  stats(): PollingRelayStats {
    return {
      publishedEvents: this.#queue.published,
      publishFailures: this.#queue.failures,
      rejectedEvents: this.#refused.count,
      polls: this.#polls,
      broker: this.#broker.status(),
      stalls: this.#stalls,
      scannedRows: this.#scannedRows,
    }
  }

  async #run(): Promise<void> {
    let state: PollState | undefined
    while (this.#running) {
      try {
        state ??= await this.#restore()
        const more = await this.#pollOnce(state)
        if (!more) await this.#sleep(this.#options.pollIntervalMs)
      } catch (err) {
        state = undefined // reload: the saved cursor is the truth after a failure
        this.#options.logger.warn({ error: describeError(err) }, 'polling relay error')
        await this.#sleep(Math.max(this.#options.pollIntervalMs, 500))
      }
    }
  }

  async #restore(): Promise<PollState> {
    const cursor = await loadCursor(this.#pool, this.#options.name)
    const typesChecked = await outboxTypesChecked(this.#pool, this.#options.table)
    return {
      cursor,
      pending: new PendingRows(),
      scanFrom: cursor.lowXid,
      lastSavedAt: 0,
      typesChecked,
    }
  }

  /** One scan-publish-save round; true when more rows are ready right away. */
  async #pollOnce(state: PollState): Promise<boolean> {
    this.#polls++
    const scan = await scanOutbox(this.#pool, this.#options.table, state.scanFrom)
    this.#scannedRows += scan.below.length
    state.pending.add(scan.below)
    if (BigInt(scan.horizon) > BigInt(state.scanFrom)) state.scanFrom = scan.horizon
    if (scan.fence !== null) await this.#checkStall(scan.fence, scan.horizon)
    const batch = state.pending.peek(this.#options.batchSize, scan.fence)
    if (batch.length === 0) {
      await this.#saveIdleProgress(state)
      return false
    }
    const positions = batch.map((b) => b.position)
    const rows = await fetchRows(this.#pool, this.#options.table, positions)
    await this.#faults?.('relay:received', { events: rows.length })
    if (!(await this.#publish(rows, state.typesChecked))) return false
    await this.#faults?.('relay:before-ack', { events: rows.length })
    state.pending.shift(batch.length)
    const last = rows[rows.length - 1]
    const next: PollCursor = {
      commitTs: last?.commit_ts ?? state.cursor.commitTs,
      xid: last ? String(last.xid) : state.cursor.xid,
      position: last ? String(last.position) : state.cursor.position,
      lowXid: lowXid(state),
    }
    await markDeliveredAndSave(this.#pool, this.#options.table, positions, this.#options.name, next)
    state.cursor = next
    state.lastSavedAt = this.#options.clock.now()
    return state.pending.peek(1, scan.fence).length > 0
  }

  /** Publishes rows; false when `stop()` abandoned some (the cursor must not move past them). */
  async #publish(rows: readonly FetchedRow[], typesChecked: boolean): Promise<boolean> {
    const { topic, invalidTopic, logger } = this.#options
    const messages = rows.map((r) =>
      rowToMessage(r, topic, invalidTopic, logger, typesChecked, r.commit_lsn ?? undefined),
    )
    let durable = 0
    this.#queue.push(messages.map((message) => ({ message, onDurable: () => durable++ })))
    await this.#queue.drained()
    return durable === messages.length
  }

  /** Saves an advanced `lowXid` now and then, so a restart scans less. */
  async #saveIdleProgress(state: PollState): Promise<void> {
    const low = lowXid(state)
    const now = this.#options.clock.now()
    if (low === state.cursor.lowXid || now - state.lastSavedAt < IDLE_SAVE_MS) return
    const next = { ...state.cursor, lowXid: low }
    await markDeliveredAndSave(this.#pool, this.#options.table, [], this.#options.name, next)
    state.cursor = next
    state.lastSavedAt = now
  }

  async #checkStall(fenceMicros: number, horizon: string): Promise<void> {
    const waited = this.#options.clock.now() - fenceMicros / 1000
    if (!(waited > this.#options.stallAlarmMs)) return
    this.#stalls++
    const blocker = await oldestTransaction(this.#pool)
    const report: StallReport = { stalledForMs: waited, horizon, blocker }
    this.#options.logger.warn({ ...report }, 'outbox delivery stalled behind a running transaction')
    this.#options.onStall?.(report)
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms)
      this.#wake = () => {
        clearTimeout(t)
        resolve()
      }
    })
  }
}

/** Every row below this xid is delivered: the horizon, or the oldest row still waiting. */
function lowXid(state: PollState): string {
  const waiting = state.pending.minXid()
  const low =
    waiting === undefined ? state.scanFrom : String(Math.min(waiting, Number(state.scanFrom)))
  return BigInt(low) >= BigInt(state.cursor.lowXid) ? low : state.cursor.lowXid
}

/** Creates relay B (gap-free polling). Call `start()` to run it. */
export function createPollingRelay(options: PollingRelayOptions): PollingRelay {
  return new PollingRelay(options)
}
