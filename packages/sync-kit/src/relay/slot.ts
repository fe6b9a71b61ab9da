import type { Pool } from 'pg'
import { SyncKitError, describeError } from '../errors.js'
import { formatLsn, type Lsn } from '../lsn.js'

/** What Postgres reports about a replication slot. */
export interface SlotStatus {
  readonly exists: boolean
  readonly active: boolean
  readonly activePid: number | null
  readonly plugin: string | null
  /** Where the slot's consumer has confirmed it is, as `X/Y` text. */
  readonly confirmedFlushLsn: Lsn | null
  /** The oldest WAL the slot keeps, as `X/Y` text. */
  readonly restartLsn: Lsn | null
  /** `pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)`: WAL the slot keeps on disk. */
  readonly retainedWalBytes: bigint
  /** `wal_status` (PG13+): reserved, extended, unreserved or lost. */
  readonly walStatus: string | null
  /** The database the slot decodes; logical slots are per database, names are per cluster. */
  readonly database: string | null
  /** Whether that is the database this connection is on. */
  readonly sameDatabase: boolean
}

const quoteIdent = (s: string): string => `"${s.replace(/"/g, '""')}"`

/** Reads a slot's status and retained WAL. */
export async function readSlotStatus(pool: Pool, slot: string): Promise<SlotStatus> {
  const r = await pool.query<{
    active: boolean
    active_pid: number | null
    plugin: string | null
    confirmed: string | null
    restart: string | null
    retained: string | null
    wal_status: string | null
    database: string | null
    same_db: boolean
  }>(
    `SELECT active, active_pid, plugin, confirmed_flush_lsn::text AS confirmed,
            restart_lsn::text AS restart, wal_status, database,
            database IS NOT DISTINCT FROM current_database() AS same_db,
            pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::text AS retained
       FROM pg_replication_slots WHERE slot_name = $1`,
    [slot],
  )
  const row = r.rows[0]
  if (!row) {
    return {
      exists: false,
      active: false,
      activePid: null,
      plugin: null,
      confirmedFlushLsn: null,
      restartLsn: null,
      retainedWalBytes: 0n,
      walStatus: null,
      database: null,
      sameDatabase: false,
    }
  }
  return {
    exists: true,
    active: row.active,
    activePid: row.active_pid,
    plugin: row.plugin,
    confirmedFlushLsn: row.confirmed ? formatLsn(row.confirmed) : null,
    restartLsn: row.restart ? formatLsn(row.restart) : null,
    retainedWalBytes: BigInt(Math.round(Number(row.retained ?? '0'))),
    walStatus: row.wal_status,
    database: row.database,
    sameDatabase: row.same_db,
  }
}

/** Creates the publication over `table` unless it exists. */
export async function ensurePublication(pool: Pool, publication: string, table: string) {
  const r = await pool.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [publication])
  if (r.rowCount) return
  await pool
    .query(`CREATE PUBLICATION ${quoteIdent(publication)} FOR TABLE ${quoteIdent(table)}`)
    .catch((err: unknown) => {
      // A concurrent relay may have created it a moment ago (42710 duplicate_object).
      if ((err as { code?: string }).code !== '42710') throw err
    })
}

/**
 * Makes sure `slot` exists with pgoutput and is not in use. A slot active on another
 * connection means another relay is streaming it: `E_SYNC_SLOT_IN_USE`.
 */
export async function ensureSlot(pool: Pool, slot: string, create: boolean): Promise<SlotStatus> {
  let status = await readSlotStatus(pool, slot)
  if (!status.exists) {
    if (!create) {
      throw new SyncKitError('E_SYNC_INVALID_OPTION', `replication slot "${slot}" does not exist`, {
        context: { slot },
      })
    }
    await pool
      .query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [slot])
      .catch((err: unknown) => {
        if ((err as { code?: string }).code !== '42710') throw err
      })
    status = await readSlotStatus(pool, slot)
  }
  if (status.plugin !== 'pgoutput') {
    throw new SyncKitError(
      'E_SYNC_INVALID_OPTION',
      `replication slot "${slot}" uses plugin ${status.plugin ?? '(physical)'}, not pgoutput`,
      { context: { slot } },
    )
  }
  if (!status.sameDatabase) {
    throw new SyncKitError(
      'E_SYNC_INVALID_OPTION',
      `replication slot "${slot}" decodes database "${status.database ?? '?'}", not this one; ` +
        'slot names are cluster-wide, so give each database its own slot',
      { context: { slot } },
    )
  }
  if (status.active) throw slotInUse(slot, status.activePid)
  return status
}

/** The error for a slot that another connection is streaming. */
export function slotInUse(slot: string, pid: number | null, cause?: unknown): SyncKitError {
  return new SyncKitError(
    'E_SYNC_SLOT_IN_USE',
    `replication slot "${slot}" is in use by another connection (pid ${pid ?? '?'}); ` +
      'is another relay running with the same slot name?' +
      (cause === undefined ? '' : ` (${describeError(cause)})`),
    { retryable: true, context: { slot }, cause },
  )
}

/** Writes a non-transactional logical message so an idle outbox still advances the slot. */
export async function emitHeartbeat(pool: Pool, prefix: string, nowMs: number): Promise<void> {
  await pool.query('SELECT pg_logical_emit_message(false, $1, $2)', [prefix, String(nowMs)])
}
