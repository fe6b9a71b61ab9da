import type pg from 'pg'

/** One schema step of a service's own tables; `id` never changes once shipped. */
export interface ServiceMigration {
  readonly id: string
  readonly sql: string
}

/**
 * Applies the service's migrations that have not run yet, each in its own transaction, under an
 * advisory lock: N instances of one service start at once and must not race on `CREATE TABLE`.
 */
export async function migrateService(
  pool: pg.Pool,
  service: string,
  migrations: readonly ServiceMigration[],
): Promise<void> {
  const client = await pool.connect()
  try {
    await client.query(`SELECT pg_advisory_lock(hashtext($1))`, [`topology:${service}`])
    await client.query(
      `CREATE TABLE IF NOT EXISTS topology_migrations (
         service text NOT NULL, id text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(),
         PRIMARY KEY (service, id))`,
    )
    const done = await client.query<{ id: string }>(
      'SELECT id FROM topology_migrations WHERE service = $1',
      [service],
    )
    const applied = new Set(done.rows.map((row) => row.id))
    for (const migration of migrations.filter((step) => !applied.has(step.id)))
      await applyOne(client, service, migration)
  } finally {
    await client.query(`SELECT pg_advisory_unlock(hashtext($1))`, [`topology:${service}`])
    client.release()
  }
}

async function applyOne(
  client: pg.PoolClient,
  service: string,
  migration: ServiceMigration,
): Promise<void> {
  await client.query('BEGIN')
  try {
    await client.query(migration.sql)
    await client.query('INSERT INTO topology_migrations (service, id) VALUES ($1, $2)', [
      service,
      migration.id,
    ])
    await client.query('COMMIT')
  } catch (error) {
    await client.query('ROLLBACK')
    throw error
  }
}
