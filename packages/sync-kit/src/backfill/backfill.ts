import type { PoolClient } from 'pg'
import { SyncKitError, describeError, isSyncKitError } from '../errors.js'
import { appendEvents } from '../outbox.js'
import { quoteIdent } from '../adapters/postgres-consumer-store.js'
import { resolveBackfillOptions, type BackfillOptions } from './options.js'

/** Where a backfill stands; also what `run()` returns. */
export interface BackfillProgress {
  /** The key of the last row handled, as text; null before the first batch. */
  readonly cursor: string | null
  readonly done: boolean
  /** Snapshot events appended to the outbox, over every run. */
  readonly emitted: number
  /** Rows skipped because the live stream already covers their aggregate. */
  readonly skipped: number
}

interface CursorRow {
  cursor: string | null
  done: boolean
  emitted: string
  skipped: string
}

const RETRY_STATES = new Set(['40P01', '40001'])
const toProgress = (r: CursorRow): BackfillProgress => ({
  cursor: r.cursor,
  done: r.done,
  emitted: Number(r.emitted),
  skipped: Number(r.skipped),
})

/**
 * Emits snapshot events for rows that existed before the outbox did. Each batch is one
 * transaction that locks its rows (`FOR SHARE`), appends their events through `appendEvents`
 * (so they take the aggregate's next sequence numbers) and advances the keyset cursor: a crash
 * loses or repeats nothing, and a concurrent writer of a row either commits before the batch
 * reads it or waits and is sequenced after the snapshot.
 */
export class Backfill<Row extends Record<string, unknown>> {
  readonly #options: ReturnType<typeof resolveBackfillOptions<Row>>

  constructor(options: BackfillOptions<Row>) {
    this.#options = resolveBackfillOptions(options)
  }

  /** Runs batches until the table is done (or `maxBatches` ran); resumes where the last run stopped. */
  async run(options: { maxBatches?: number } = {}): Promise<BackfillProgress> {
    let progress = await this.status()
    for (let n = 0; !progress.done && n < (options.maxBatches ?? Infinity); n++) {
      progress = await this.#batchWithRetries()
      this.#options.logger.info(
        { name: this.#options.name, ...progress },
        'sync-kit backfill: batch committed',
      )
    }
    return progress
  }

  /** The stored progress (a fresh backfill reads as not started). */
  async status(): Promise<BackfillProgress> {
    const r = await this.#options.pool.query<CursorRow>(
      `SELECT cursor, done, emitted::text, skipped::text FROM sync_backfill_cursor WHERE name = $1`,
      [this.#options.name],
    )
    const row = r.rows[0]
    return row ? toProgress(row) : { cursor: null, done: false, emitted: 0, skipped: 0 }
  }

  async #batchWithRetries(): Promise<BackfillProgress> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#inTransaction((tx) => this.#batch(tx))
      } catch (err) {
        const state = (err as { code?: unknown }).code
        const cause = isSyncKitError(err)
          ? (err.cause as { code?: unknown } | undefined)?.code
          : state
        if (attempt < this.#options.maxAttempts && RETRY_STATES.has(String(cause))) continue
        if (isSyncKitError(err)) throw err
        throw new SyncKitError(
          'E_SYNC_DATABASE',
          `backfill ${this.#options.name} failed: ${describeError(err)}`,
          {
            retryable: true,
            cause: err,
          },
        )
      }
    }
  }

  async #inTransaction<T>(fn: (tx: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#options.pool.connect()
    try {
      await client.query('BEGIN')
      const result = await fn(client)
      await client.query('COMMIT')
      return result
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined)
      throw err
    } finally {
      client.release()
    }
  }

  async #batch(tx: PoolClient): Promise<BackfillProgress> {
    const { name, batchSize } = this.#options
    // The cursor row lock also keeps two runners of one backfill from interleaving.
    await tx.query('INSERT INTO sync_backfill_cursor (name) VALUES ($1) ON CONFLICT DO NOTHING', [
      name,
    ])
    const cur = await tx.query<CursorRow>(
      `SELECT cursor, done, emitted::text, skipped::text FROM sync_backfill_cursor WHERE name = $1 FOR UPDATE`,
      [name],
    )
    const at = toProgress(cur.rows[0]!)
    if (at.done) return at
    const rows = await this.#readRows(tx, at.cursor)
    await this.#options.afterRead?.(rows.map((r) => r.row))
    const events = rows.map((r) => this.#options.toEvent(r.row))
    const live =
      this.#options.mode === 'always' ? new Set<string>() : await liveAggregates(tx, events)
    const keep = events.filter((e) => !live.has(JSON.stringify([e.aggregateType, e.aggregateId])))
    await appendEvents(tx, keep, { clock: this.#options.clock })
    const next: BackfillProgress = {
      cursor: rows.at(-1)?.key ?? at.cursor,
      done: rows.length < batchSize,
      emitted: at.emitted + keep.length,
      skipped: at.skipped + events.length - keep.length,
    }
    await tx.query(
      `UPDATE sync_backfill_cursor SET cursor = $2, done = $3, emitted = $4, skipped = $5,
       updated_at = now() WHERE name = $1`,
      [name, next.cursor, next.done, next.emitted, next.skipped],
    )
    return next
  }

  async #readRows(tx: PoolClient, cursor: string | null): Promise<{ row: Row; key: string }[]> {
    const table = this.#options.table.split('.').map(quoteIdent).join('.')
    const key = quoteIdent(this.#options.keyColumn)
    // $2 is untyped, so Postgres reads the stored text cursor as the key column's own type.
    const r = await tx.query<Row & { __backfill_key: string }>(
      `SELECT t.*, t.${key}::text AS __backfill_key FROM ${table} t
       WHERE NOT $1::boolean OR t.${key} > $2 ORDER BY t.${key} LIMIT $3 FOR SHARE`,
      [cursor !== null, cursor, this.#options.batchSize],
    )
    return r.rows.map(({ __backfill_key, ...row }) => ({
      row: row as unknown as Row,
      key: __backfill_key,
    }))
  }
}

async function liveAggregates(
  tx: PoolClient,
  events: readonly { aggregateType: string; aggregateId: string }[],
): Promise<Set<string>> {
  if (events.length === 0) return new Set()
  const r = await tx.query<{ aggregatetype: string; aggregateid: string }>(
    `SELECT s.aggregatetype, s.aggregateid FROM sync_outbox_sequence s
     JOIN unnest($1::text[], $2::text[]) AS u(t, i) ON s.aggregatetype = u.t AND s.aggregateid = u.i`,
    [events.map((e) => e.aggregateType), events.map((e) => e.aggregateId)],
  )
  return new Set(r.rows.map((x) => JSON.stringify([x.aggregatetype, x.aggregateid])))
}

/** Creates a resumable backfill; `run()` it once the outbox migration is in place. */
export function createBackfill<Row extends Record<string, unknown>>(
  options: BackfillOptions<Row>,
): Backfill<Row> {
  return new Backfill(options)
}
