import type { SqlClient, SqlResult } from '@faultline/common'
import { CacheKitError, isCacheKitError } from '../errors.js'

/**
 * A checked-out connection (`pg.PoolClient` fits as it is): one session, returned with
 * `release()`.
 */
export interface SqlSession extends SqlClient {
  /** Returns the connection; a truthy argument destroys it instead (its state is unknown). */
  release(destroy?: Error | boolean): void
}

/**
 * A connection pool (`pg.Pool` fits as it is): `query()` for one-statement reads, `connect()` for
 * the write transaction.
 */
export interface SqlPool extends SqlClient {
  connect(): Promise<SqlSession>
}

/** @internal Translates a driver failure in one of the router's own statements. */
export function sourceError(
  operation: string,
  message: string,
  cause: unknown,
  retryable = true,
): CacheKitError {
  if (isCacheKitError(cause)) return cause
  const detail = cause instanceof Error ? `: ${cause.message}` : ''
  return new CacheKitError('E_CACHE_SOURCE_FAILED', `${message}${detail}.`, {
    cause,
    retryable,
    context: { operation },
  })
}

/** @internal Runs one of the router's own statements, translating driver errors here. */
export async function runOwn(
  db: SqlClient,
  sql: string,
  operation: string,
  message: string,
): Promise<SqlResult> {
  try {
    return await db.query(sql)
  } catch (cause) {
    throw sourceError(operation, message, cause)
  }
}

/** @internal Reads the single text column `lsn` of a one-row result; `null` stays `null`. */
export function lsnColumn(result: SqlResult, operation: string): string | null {
  const value = result.rows[0]?.lsn
  if (value === null) return null
  if (typeof value !== 'string') {
    throw sourceError(operation, `Expected one text column "lsn" from ${operation}`, undefined)
  }
  return value
}

/**
 * @internal The command tag of a result (`COMMIT`, or `ROLLBACK` when a failed transaction was
 * asked to commit). pg's results carry it; `SqlResult` does not promise it, so it may be absent.
 */
export function commandOf(result: SqlResult): string | undefined {
  const command = (result as { command?: unknown }).command
  return typeof command === 'string' ? command : undefined
}
