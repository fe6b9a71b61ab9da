import pg from 'pg'
import type { Pool } from 'pg'
import { SyncKitError, describeError } from '../errors.js'
import {
  RELAY_DEFAULTS,
  checkCommon,
  checkPositive,
  toClientConfig,
  warmUpPublisher,
} from './options.js'
import type { RelayCommonOptions } from './options.js'
import {
  loadCursor,
  markDelivered,
  pollOutbox,
  saveCursor,
  type PollCursor,
} from './polling-query.js'
import { PublishQueue } from './publish-queue.js'
import { pgTimestampToIso } from './row-envelope.js'
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
  readonly polls: number
  readonly stalls: number
}

/**
 * Relay B: gap-free polling for databases where logical replication is not allowed. Reads only
 * below the transaction horizon, in commit order; saves its cursor only after the broker has
 * every event of the batch, so a crash re-sends rather than skips.
 */
export class PollingRelay {
  readonly #o: Required<Omit<PollingRelayOptions, 'faults' | 'onStall'>> &
    Pick<PollingRelayOptions, 'faults' | 'onStall'>
  readonly #pool: Pool
  readonly #queue: PublishQueue
  #running = false
  #loop: Promise<void> | undefined
  #wake: (() => void) | undefined
  #polls = 0
  #stalls = 0

  constructor(options: PollingRelayOptions) {
    checkCommon(options)
    checkPositive('pollIntervalMs', options.pollIntervalMs)
    checkPositive('stallAlarmMs', options.stallAlarmMs)
    this.#o = { ...RELAY_DEFAULTS, ...DEFAULTS, ...options }
    this.#pool = new pg.Pool({ ...toClientConfig(options.connection), max: 2 })
    this.#pool.on('error', (err) => this.#o.logger.warn('relay pool error', { error: err.message }))
    this.#queue = new PublishQueue({ ...this.#o, faults: this.#o.faults })
  }

  /** Checks the database can serve the relay, then polls in the background until `stop()`. */
  async start(): Promise<void> {
    if (this.#running) return
    const r = await this.#pool.query<{ v: string }>(
      "SELECT current_setting('track_commit_timestamp') AS v",
    )
    if (r.rows[0]?.v !== 'on') {
      await this.#pool.end()
      throw new SyncKitError(
        'E_SYNC_INVALID_OPTIONS',
        'the polling relay needs track_commit_timestamp=on to deliver in commit order',
      )
    }
    await warmUpPublisher(this.#o.publisher, this.#o.logger)
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
      polls: this.#polls,
      stalls: this.#stalls,
    }
  }

  async #run(): Promise<void> {
    let cursor: PollCursor | undefined
    while (this.#running) {
      try {
        cursor ??= await loadCursor(this.#pool, this.#o.name)
        const full = await this.#pollOnce(cursor, (c) => (cursor = c))
        if (!full) await this.#sleep(this.#o.pollIntervalMs)
      } catch (err) {
        cursor = undefined // reload: the saved cursor is the truth after a failure
        this.#o.logger.warn('polling relay error', { error: describeError(err) })
        await this.#sleep(Math.max(this.#o.pollIntervalMs, 500))
      }
    }
  }

  /** One poll-publish-save round; true when the batch was full (more is waiting). */
  async #pollOnce(cursor: PollCursor, set: (c: PollCursor) => void): Promise<boolean> {
    this.#polls++
    const { rows, horizon, fence } = await pollOutbox(
      this.#pool,
      this.#o.table,
      cursor,
      this.#o.batchSize,
    )
    if (fence !== null) await this.#checkStall(fence, horizon)
    const full = rows.length === this.#o.batchSize
    const last = rows[rows.length - 1]
    // Every row below the horizon is delivered once a poll is neither full nor fenced.
    const lowXid = !full && fence === null ? maxXid(cursor.lowXid, horizon) : cursor.lowXid
    if (rows.length > 0) {
      await this.#o.faults?.('relay:received', { events: rows.length })
      const messages = rows.map((r) =>
        rowToMessage(r, this.#o.topic, this.#o.invalidTopic, this.#o.logger),
      )
      let durable = 0
      this.#queue.push(messages.map((message) => ({ message, onDurable: () => durable++ })))
      await this.#queue.drained()
      // stop() may abandon the batch: never move the cursor past an event the broker lacks.
      if (durable < messages.length) return false
      await this.#o.faults?.('relay:before-ack', { events: rows.length })
      await markDelivered(
        this.#pool,
        this.#o.table,
        rows.map((r) => String(r.position)),
      )
    }
    if (!last && lowXid === cursor.lowXid) return false
    const next = last
      ? { commitTs: last.commit_ts, xid: String(last.xid), position: String(last.position), lowXid }
      : { ...cursor, lowXid }
    await saveCursor(this.#pool, this.#o.name, next)
    set(next)
    return full
  }

  async #checkStall(fence: string, horizon: string): Promise<void> {
    const waited = this.#o.clock.now() - Date.parse(pgTimestampToIso(fence))
    if (!(waited > this.#o.stallAlarmMs)) return
    this.#stalls++
    const blocker = await oldestTransaction(this.#pool)
    const report: StallReport = { stalledForMs: waited, horizon, blocker }
    this.#o.logger.warn('outbox delivery stalled behind a running transaction', { ...report })
    this.#o.onStall?.(report)
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

function maxXid(a: string, b: string): string {
  return BigInt(a) >= BigInt(b) ? a : b
}

/** Creates relay B (gap-free polling). Call `start()` to run it. */
export function createPollingRelay(options: PollingRelayOptions): PollingRelay {
  return new PollingRelay(options)
}
