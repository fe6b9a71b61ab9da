import type { Pool } from 'pg'
import { hasCheckedTypes } from './checked-row.js'
import type { PendingRow } from './pending-rows.js'
import type { OutboxRowText } from './row-envelope.js'

/** Where the polling relay is, in commit order. */
export interface PollCursor {
  /** Commit timestamp of the last delivered row, as Postgres text (microseconds kept). */
  readonly commitTs: string
  readonly xid: string
  readonly position: string
  /** Every row with `xid < lowXid` is delivered; scans start here. */
  readonly lowXid: string
}

/** The start of time. */
export const ORIGIN: PollCursor = {
  commitTs: '-infinity',
  xid: '0',
  position: '0',
  lowXid: '0',
}

/** One scan: rows that fell below the horizon since the last scan, and what holds the rest. */
export interface ScanResult {
  /** `pg_snapshot_xmin(pg_current_snapshot())`: every transaction below it has finished. */
  readonly horizon: string
  /** Visible, undelivered rows below the horizon with `xid >= from`. */
  readonly below: PendingRow[]
  /** Commit time (µs) of the oldest committed, undelivered row at or above the horizon. */
  readonly fence: number | null
}

const quoteTable = (table: string) => `"${table.replace(/"/g, '""')}"`

/**
 * Reads what a poll needs, in one statement so horizon, fence and rows share one snapshot.
 *
 * - Rows with `xid < horizon` belong to finished transactions: none can appear later behind them,
 *   so they may be delivered. Rows of a running transaction are not visible yet; an `id > last`
 *   poller skips them for good.
 * - A committed row at or above the horizon (its transaction finished while an older one still
 *   runs) is a fence: nothing that committed after it is delivered, so delivery stays in commit
 *   order and one aggregate's events never overtake each other.
 * - Only rows with `xid >= from` are read. The relay passes the previous horizon, so a poll reads
 *   what was written since the last one, not the whole backlog.
 */
export async function scanOutbox(pool: Pool, table: string, from: string): Promise<ScanResult> {
  const micros = (col: string) => `(extract(epoch FROM ${col}) * 1000000)::bigint::text`
  const r = await pool.query<{
    horizon: string
    fence: string | null
    xid: string | null
    position: string | null
    cts: string | null
  }>(
    `WITH h AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS x),
     c AS MATERIALIZED (
       SELECT o.xid, o.position, pg_xact_commit_timestamp(o.xid::xid) AS cts
         FROM ${quoteTable(table)} o WHERE o.xid >= $1::xid8 AND o.delivered_at IS NULL),
     f AS (SELECT min(c.cts) AS ts FROM c, h WHERE c.xid >= h.x)
     SELECT h.x::text AS horizon, ${micros('f.ts')} AS fence,
            c.xid::text AS xid, c.position::text AS position, ${micros('c.cts')} AS cts
       FROM h CROSS JOIN f LEFT JOIN c ON c.xid < h.x`,
    [from],
  )
  const first = r.rows[0]
  const below: PendingRow[] = []
  for (const row of r.rows) {
    if (row.xid === null || row.position === null) continue
    // A row committed before track_commit_timestamp was on has no commit time: it is oldest.
    below.push({
      commitMicros: Number(row.cts ?? 0),
      xid: Number(row.xid),
      position: Number(row.position),
    })
  }
  const fence = first?.fence ?? null
  return { horizon: first?.horizon ?? from, below, fence: fence === null ? null : Number(fence) }
}

/**
 * Whether the outbox table's column types let its rows skip the message checks (see
 * {@link hasCheckedTypes}), read from the catalog.
 */
export async function outboxTypesChecked(pool: Pool, table: string): Promise<boolean> {
  const r = await pool.query<{ attname: string; atttypid: number }>(
    `SELECT attname, atttypid::int AS atttypid FROM pg_attribute
      WHERE attrelid = $1::regclass AND attname IN ('id', 'payload', 'headers')
        AND NOT attisdropped`,
    [quoteTable(table)],
  )
  const oids = new Map(r.rows.map((x) => [x.attname, x.atttypid]))
  return hasCheckedTypes((column) => oids.get(column))
}

/**
 * An outbox row as the polling relay reads it. `commit_lsn` is the WAL insert position read in
 * the same statement: the row is visible, so its transaction's commit record was inserted at or
 * before it. Not the write position (`pg_current_wal_lsn()`): with `synchronous_commit = off` a
 * commit is visible before its record is written, and a replica at that position can miss it.
 */
export type FetchedRow = OutboxRowText & {
  readonly commit_ts: string | null
  readonly commit_lsn: string | null
}

/** The full rows at `positions`, in the order given. */
export async function fetchRows(
  pool: Pool,
  table: string,
  positions: readonly number[],
): Promise<FetchedRow[]> {
  const r = await pool.query<Record<string, string | null>>(
    `SELECT o.id::text, o.aggregatetype, o.aggregateid, o.type, o.version::text,
            o.sequence::text, o.payload::text, o.headers::text, o.occurred_at::text,
            o.xid::text AS xid, o.position::text AS position,
            pg_xact_commit_timestamp(o.xid::xid)::text AS commit_ts,
            pg_current_wal_insert_lsn()::text AS commit_lsn
       FROM ${quoteTable(table)} o WHERE o.position = ANY($1::bigint[])`,
    [positions],
  )
  const byPosition = new Map(r.rows.map((row) => [Number(row.position), row]))
  return positions.flatMap((p) => {
    const row = byPosition.get(p)
    return row ? [row as FetchedRow] : []
  })
}

/** Loads a named cursor, or the origin. */
export async function loadCursor(pool: Pool, name: string): Promise<PollCursor> {
  const r = await pool.query<{ commit_ts: string; xid: string; position: string; low_xid: string }>(
    `SELECT commit_ts::text, xid::text, position::text, low_xid::text
       FROM sync_relay_cursor WHERE name = $1`,
    [name],
  )
  const row = r.rows[0]
  if (!row) return ORIGIN
  return { commitTs: row.commit_ts, xid: row.xid, position: row.position, lowXid: row.low_xid }
}

/**
 * Marks rows delivered and saves the cursor in one statement (one round trip, one commit), once
 * the broker has every one of the rows.
 */
export async function markDeliveredAndSave(
  pool: Pool,
  table: string,
  positions: readonly number[],
  name: string,
  c: PollCursor,
): Promise<void> {
  await pool.query(
    `WITH delivered AS (
       UPDATE ${quoteTable(table)} SET delivered_at = now() WHERE position = ANY($6::bigint[]))
     INSERT INTO sync_relay_cursor (name, commit_ts, xid, position, low_xid)
     VALUES ($1, $2::timestamptz, $3::xid8, $4, $5::xid8)
     ON CONFLICT (name) DO UPDATE SET commit_ts = EXCLUDED.commit_ts, xid = EXCLUDED.xid,
       position = EXCLUDED.position, low_xid = EXCLUDED.low_xid, updated_at = now()`,
    [name, c.commitTs, c.xid, c.position, c.lowXid, positions],
  )
}
