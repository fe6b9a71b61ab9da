import type { Pool } from 'pg'

/** The oldest running transaction, which holds the polling horizon back. */
export interface BlockingTransaction {
  readonly pid: number
  readonly xid: string | null
  /** When it began, ISO-8601. */
  readonly startedAt: string
  readonly state: string | null
  /** The start of its current or last query (truncated), to find it in the application. */
  readonly query: string
}

/** Passed to `onStall`: events are committed but waiting behind an open transaction. */
export interface StallReport {
  readonly stalledForMs: number
  readonly horizon: string
  readonly blocker: BlockingTransaction | undefined
}

/** Finds the oldest transaction that has an xid, i.e. the one pinning the horizon. */
export async function oldestTransaction(pool: Pool): Promise<BlockingTransaction | undefined> {
  const r = await pool.query<{
    pid: number
    xid: string | null
    started: Date
    state: string | null
    query: string | null
  }>(
    `SELECT pid, backend_xid::text AS xid, xact_start AS started, state, left(query, 200) AS query
       FROM pg_stat_activity
      WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()
      ORDER BY age(backend_xid) DESC LIMIT 1`,
  )
  const row = r.rows[0]
  if (!row) return undefined
  return {
    pid: row.pid,
    xid: row.xid,
    startedAt: row.started.toISOString(),
    state: row.state,
    query: row.query ?? '',
  }
}
