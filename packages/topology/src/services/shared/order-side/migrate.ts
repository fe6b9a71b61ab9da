import type { Pool } from 'pg'
import { migrate as migrateSagaKit } from '@faultline/saga-kit'
import { migrate as migrateSyncKit, migrateWith, type Migration } from '@faultline/sync-kit'

/**
 * Brings a service's database to its current schema: sync-kit's outbox and inbox, saga-kit's
 * tables, then the service's own migrations (ids prefixed with the service, recorded in
 * sync-kit's migration table under its advisory lock, so two instances starting together do
 * not race).
 */
export async function migrateService(pool: Pool, own: readonly Migration[]): Promise<void> {
  await migrateSyncKit(pool)
  await migrateSagaKit(pool)
  if (own.length > 0) await migrateWith(pool, own)
}
