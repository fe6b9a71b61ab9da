import type { Pool, PoolClient } from 'pg'
import { isSagaKitError, SagaKitError } from '../errors.js'
import { MIGRATIONS } from './migrations.js'

/** SQLSTATEs of a table or schema that is not there: undefined_table, invalid_schema_name. */
const MISSING = new Set(['42P01', '3F000'])

const sqlState = (error: unknown): unknown => (error as { code?: unknown } | null)?.code

function schemaMissing(where: string, found: string, cause?: unknown): SagaKitError {
  return new SagaKitError(
    'E_SAGA_SCHEMA_MISSING',
    `${where}: ${found}. Run migrateSagaKit(db) from @faultline/saga-kit on this database once (at deploy time) before starting sagas, participants or reactors.`,
    { cause, context: { needs: MIGRATIONS.length } },
  )
}

/**
 * Throws `E_SAGA_SCHEMA_MISSING` (not retryable) unless `db` holds the `saga` schema at the
 * version this saga-kit needs, naming `migrateSagaKit` as the fix.
 */
export async function requireSagaSchema(db: Pool | PoolClient, where: string): Promise<void> {
  let version: number
  try {
    const { rows } = await db.query<{ version: number | null }>(
      'SELECT max(version) AS version FROM saga.migrations',
    )
    version = rows[0]?.version ?? 0
  } catch (error) {
    if (MISSING.has(sqlState(error) as string)) {
      throw schemaMissing(where, 'the saga schema is not in this database', error)
    }
    throw error
  }
  if (version < MIGRATIONS.length) {
    throw schemaMissing(
      where,
      `the saga schema is at version ${version}, this saga-kit needs version ${MIGRATIONS.length}`,
    )
  }
}

/**
 * `error` as `E_SAGA_SCHEMA_MISSING` when it is Postgres saying a `saga.` table or the schema is
 * missing (a call made before `migrateSagaKit`); any other error unchanged.
 */
export function asSchemaError(error: unknown, where: string): unknown {
  if (isSagaKitError(error) || !MISSING.has(sqlState(error) as string)) return error
  const message = error instanceof Error ? error.message : String(error)
  if (!/\bsaga\b/.test(message)) return error
  return schemaMissing(where, `Postgres says: ${message}`, error)
}
