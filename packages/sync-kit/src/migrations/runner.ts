import type { Pool } from 'pg'
import { SyncKitError, describeError } from '../errors.js'

/** One schema change. Ids sort lexically and are applied in that order, each exactly once. */
export interface Migration {
  /** e.g. `0001_outbox`. Producer migrations use 00xx, consumer migrations 01xx. */
  readonly id: string
  readonly sql: string
}

/** Options for {@link migrateSyncKit}. */
export interface MigrateOptions {
  /** Which migrations to apply. @default SYNC_KIT_MIGRATIONS (every table of the kit) */
  migrations?: readonly Migration[]
}

/** Advisory lock key that serialises concurrent `migrateSyncKit()` calls across processes. */
const LOCK_KEY = 0x5359_4e43 // 'SYNC'

/**
 * Applies each migration not yet recorded in `sync_kit_migrations`, in id order, each in its own
 * transaction under a session advisory lock, so two services starting at once do not race.
 * Returns the ids applied by this call.
 */
export async function migrateWith(pool: Pool, migrations: readonly Migration[]): Promise<string[]> {
  const client = await pool.connect()
  const applied: string[] = []
  let current: string | undefined
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY])
    await client.query(
      `CREATE TABLE IF NOT EXISTS sync_kit_migrations (
         id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
    )
    const done = await client.query<{ id: string }>('SELECT id FROM sync_kit_migrations')
    const seen = new Set(done.rows.map((r) => r.id))
    for (const m of [...migrations].sort((a, b) => a.id.localeCompare(b.id))) {
      if (seen.has(m.id)) continue
      current = m.id
      await client.query('BEGIN')
      await client.query(m.sql)
      await client.query('INSERT INTO sync_kit_migrations (id) VALUES ($1)', [m.id])
      await client.query('COMMIT')
      applied.push(m.id)
    }
    return applied
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw new SyncKitError(
      'E_SYNC_MIGRATION',
      `migration ${current ?? '(setup)'} failed: ${describeError(err)}`,
      { context: { ...(current === undefined ? {} : { migration: current }) }, cause: err },
    )
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => undefined)
    client.release()
  }
}
