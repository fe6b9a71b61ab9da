import { SyncKitError, describeError } from './errors.js'
import type { SqlClient } from './ports.js'

/** The tables each part of the kit reads, so a missing one is named before anything runs. */
export const SCHEMA_TABLES = {
  outbox: ['sync_outbox', 'sync_outbox_sequence'],
  pollingRelay: ['sync_outbox', 'sync_relay_cursor'],
  inbox: ['sync_inbox', 'sync_inbox_position', 'sync_inbox_parked'],
} as const

const FIX =
  'run migrateSyncKit(pool) from @faultline/sync-kit against this database first (at start-up, ' +
  'before any relay, consumer or appendEvents call; saga-kit over sync-kit needs it too)'

/** The error for sync-kit tables that do not exist. Not retryable: only a migration fixes it. */
export function schemaMissing(where: string, tables: readonly string[], cause?: unknown) {
  return new SyncKitError(
    'E_SYNC_SCHEMA_MISSING',
    `${where}: sync-kit's table${tables.length === 1 ? '' : 's'} ${tables.join(', ')} ` +
      `do${tables.length === 1 ? 'es' : ''} not exist; ${FIX}`,
    { cause, retryable: false },
  )
}

/**
 * `err` as `E_SYNC_SCHEMA_MISSING` when it is Postgres's `undefined_table` (42P01) for one of
 * the kit's tables, else undefined.
 */
export function asSchemaMissing(err: unknown, where: string): SyncKitError | undefined {
  if ((err as { code?: unknown } | null)?.code !== '42P01') return undefined
  const table = /relation "([^"]*sync_[^"]*)"/.exec(describeError(err))?.[1]
  return table === undefined ? undefined : schemaMissing(where, [table], err)
}

/** Throws `E_SYNC_SCHEMA_MISSING` naming every one of `tables` that does not exist. */
export async function requireTables(
  client: SqlClient,
  tables: readonly string[],
  where: string,
): Promise<void> {
  const r = await client.query<{ name: string }>(
    'SELECT t AS name FROM unnest($1::text[]) AS t WHERE to_regclass(t) IS NULL',
    [tables],
  )
  if (r.rows.length > 0)
    throw schemaMissing(
      where,
      r.rows.map((row) => row.name),
    )
}
