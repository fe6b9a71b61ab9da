import type { Pool } from 'pg'
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

/** One poll: deliverable rows in commit order, plus what held the rest back. */
export interface PollResult {
  readonly rows: (OutboxRowText & { commit_ts: string })[]
  /** `pg_snapshot_xmin(pg_current_snapshot())` at the time of the read. */
  readonly horizon: string
  /** Commit time of the oldest committed row that must wait (null when none). */
  readonly fence: string | null
}

/**
 * Reads the next rows in commit order, gap-free.
 *
 * - Only rows with `xid < pg_snapshot_xmin(pg_current_snapshot())` qualify: every transaction
 *   below the horizon has finished, so no row can later appear behind the cursor. Rows of a
 *   transaction still running are simply not visible yet; an `id > last` poller skips them.
 * - A committed row above the horizon (its transaction finished while an older one still runs)
 *   is a fence: nothing that committed after it is delivered, so delivery stays in commit order
 *   and one aggregate's events never overtake each other.
 * - Delivered rows are marked (`delivered_at`), not skipped by a commit-time cursor: a commit
 *   timestamp is taken before the transaction becomes visible, so a row can appear with a commit
 *   time older than rows already delivered. A timestamp cursor would skip it for good.
 * - One statement, so horizon, fence and rows come from one snapshot.
 */
export async function pollOutbox(
  pool: Pool,
  table: string,
  cursor: PollCursor,
  limit: number,
): Promise<PollResult> {
  const t = `"${table.replace(/"/g, '""')}"`
  // The horizon is read first, so every later snapshot sees all transactions below it finished.
  const h = await pool.query<{ h: string }>(
    'SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS h',
  )
  const horizon = h.rows[0]?.h ?? '0'
  const r = await pool.query<Record<string, string | null>>(
    `WITH cand AS (
       SELECT o.*, pg_xact_commit_timestamp(o.xid::xid) AS cts
         FROM ${t} o WHERE o.xid >= $1::xid8 AND o.delivered_at IS NULL),
     fence AS (SELECT min(c.cts) AS ts FROM cand c WHERE c.xid >= $3::xid8)
     SELECT c.id::text, c.aggregatetype, c.aggregateid, c.type, c.version::text,
            c.sequence::text, c.payload::text, c.headers::text, c.occurred_at::text,
            c.xid::text AS xid, c.position::text AS position, c.cts::text AS commit_ts,
            fence.ts::text AS fence
       FROM cand c, fence
      WHERE c.xid < $3::xid8
        AND (fence.ts IS NULL OR c.cts < fence.ts)
      ORDER BY c.cts, c.xid, c.position
      LIMIT $2`,
    [cursor.lowXid, limit, horizon],
  )
  const first = r.rows[0]
  if (first) return { rows: r.rows as PollResult['rows'], horizon, fence: first.fence ?? null }
  // No rows: learn the fence against the same horizon. Fence rows never disappear (only this
  // relay marks rows delivered), so "no fence" seen now was also true for the query above.
  const f = await pool.query<{ fence: string | null }>(
    `SELECT min(pg_xact_commit_timestamp(o.xid::xid))::text AS fence FROM ${t} o
      WHERE o.xid >= $1::xid8 AND o.delivered_at IS NULL`,
    [horizon],
  )
  return { rows: [], horizon, fence: f.rows[0]?.fence ?? null }
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

/** Marks rows as delivered once the broker has every one of them. */
export async function markDelivered(pool: Pool, table: string, positions: readonly string[]) {
  const t = `"${table.replace(/"/g, '""')}"`
  await pool.query(`UPDATE ${t} SET delivered_at = now() WHERE position = ANY($1::bigint[])`, [
    positions,
  ])
}

/** Saves a named cursor (after its rows are durably published). */
export async function saveCursor(pool: Pool, name: string, c: PollCursor): Promise<void> {
  await pool.query(
    `INSERT INTO sync_relay_cursor (name, commit_ts, xid, position, low_xid)
     VALUES ($1, $2::timestamptz, $3::xid8, $4, $5::xid8)
     ON CONFLICT (name) DO UPDATE SET commit_ts = EXCLUDED.commit_ts, xid = EXCLUDED.xid,
       position = EXCLUDED.position, low_xid = EXCLUDED.low_xid, updated_at = now()`,
    [name, c.commitTs, c.xid, c.position, c.lowXid],
  )
}
