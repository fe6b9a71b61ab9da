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
 * - One statement, so horizon, fence and rows come from one snapshot.
 */
export async function pollOutbox(
  pool: Pool,
  table: string,
  cursor: PollCursor,
  limit: number,
): Promise<PollResult> {
  const t = `"${table.replace(/"/g, '""')}"`
  const r = await pool.query<Record<string, string | null>>(
    `WITH h AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin),
     cand AS (
       SELECT o.*, pg_xact_commit_timestamp(o.xid::xid) AS cts
         FROM ${t} o WHERE o.xid >= $4::xid8),
     fence AS (SELECT min(c.cts) AS ts FROM cand c, h WHERE c.xid >= h.xmin)
     SELECT c.id::text, c.aggregatetype, c.aggregateid, c.type, c.version::text,
            c.sequence::text, c.payload::text, c.headers::text, c.occurred_at::text,
            c.xid::text AS xid, c.position::text AS position, c.cts::text AS commit_ts,
            h.xmin::text AS horizon, fence.ts::text AS fence
       FROM cand c, h, fence
      WHERE c.xid < h.xmin
        AND (fence.ts IS NULL OR c.cts < fence.ts)
        AND (c.cts, c.xid, c.position) > ($1::timestamptz, $2::xid8, $3::bigint)
      ORDER BY c.cts, c.xid, c.position
      LIMIT $5`,
    [cursor.commitTs, cursor.xid, cursor.position, cursor.lowXid, limit],
  )
  const first = r.rows[0]
  if (first) {
    return {
      rows: r.rows as PollResult['rows'],
      horizon: first.horizon ?? '0',
      fence: first.fence ?? null,
    }
  }
  // No rows: still learn the horizon and fence, to move lowXid and to detect a stall.
  const h = await pool.query<{ horizon: string; fence: string | null }>(
    `SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS horizon,
            (SELECT min(pg_xact_commit_timestamp(o.xid::xid))::text FROM ${t} o
              WHERE o.xid >= pg_snapshot_xmin(pg_current_snapshot())) AS fence`,
  )
  return { rows: [], horizon: h.rows[0]?.horizon ?? '0', fence: h.rows[0]?.fence ?? null }
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
