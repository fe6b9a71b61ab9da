import type { Pool } from 'pg'
import { migrateSagaKit } from '@faultline/saga-kit'
import { migrateSyncKit } from '@faultline/sync-kit'
import { migrateService as migrateOwnTables, type ServiceMigration } from '../migrate.js'

/**
 * Brings an order-side service's database to its current schema: sync-kit's outbox and inbox,
 * saga-kit's tables, then the service's own migrations (the topology's runner, under an advisory
 * lock so two instances starting together do not race).
 */
export async function migrateService(
  pool: Pool,
  service: string,
  own: readonly ServiceMigration[],
): Promise<void> {
  await migrateSyncKit(pool)
  await migrateSagaKit(pool)
  if (own.length > 0) await migrateOwnTables(pool, service, own)
}
