import type { Pool } from 'pg'
import { OUTBOX_MIGRATIONS } from './outbox.js'
import { INBOX_MIGRATIONS } from '../inbox/migrations.js'
import { migrateWith, type MigrateOptions } from './runner.js'

/**
 * Every migration the kit ships. Each part of the kit contributes its own list (producer 00xx,
 * consumer 01xx); add a new list here with one spread.
 */
export const SYNC_KIT_MIGRATIONS = [...OUTBOX_MIGRATIONS, ...INBOX_MIGRATIONS]

/** Creates or upgrades the kit's tables. Safe to call from every service at start-up. */
export async function migrateSyncKit(pool: Pool, options: MigrateOptions = {}): Promise<string[]> {
  return migrateWith(pool, options.migrations ?? SYNC_KIT_MIGRATIONS)
}
