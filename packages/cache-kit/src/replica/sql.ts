import { CacheKitError, isCacheKitError } from '../errors.js'

/** What a query resolves to; `pg.QueryResult` satisfies it. */
export interface SqlResult {
  readonly rows: readonly unknown[]
  /** The command tag (`COMMIT`, or `ROLLBACK` when a failed transaction was asked to commit). */
  readonly command?: string
}

/** The slice of a node-postgres client the helper needs: `pg.Pool`, `pg.Client` and `pg.PoolClient` fit. */
export interface SqlQueryable {
  query(text: string, values?: unknown[]): Promise<SqlResult>
}

/** A checked-out connection (`pg.PoolClient`): one session, returned with `release()`. */
export interface SqlSession extends SqlQueryable {
  /** Returns the connection; a truthy argument destroys it instead (its state is unknown). */
  release(destroy?: Error | boolean): void
}

/** A connection pool (`pg.Pool`): `query()` for one-statement reads, `connect()` for a transaction. */
export interface SqlPool extends SqlQueryable {
  connect(): Promise<SqlSession>
}

/** Translates a driver failure in one of the helper's own statements into a CacheKitError. */
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

/** Runs one of the helper's own statements, translating driver errors at this boundary. */
export async function runOwn(
  db: SqlQueryable,
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

/** Reads the single text column `lsn` of a one-row result; `null` stays `null`. */
export function lsnColumn(result: SqlResult, operation: string): string | null {
  const row = result.rows[0] as { lsn?: unknown } | undefined
  const value = row?.lsn
  if (value === null) return null
  if (typeof value !== 'string') {
    throw sourceError(operation, `Expected one text column "lsn" from ${operation}`, undefined)
  }
  return value
}
