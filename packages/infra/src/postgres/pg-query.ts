import pg from 'pg'
import { InfraError } from '../errors.js'

/** Runs `work` on a short-lived connection that is always closed; for control queries, not load. */
export async function withPgClient<T>(
  url: string,
  work: (client: pg.Client) => Promise<T>,
  timeoutMs = 5_000,
): Promise<T> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
  })
  client.on('error', () => undefined)
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end().catch(() => undefined)
  }
}

/**
 * Runs one statement on a short-lived connection. Failures are InfraErrors: a statement Postgres
 * refused is `E_INFRA_COMMAND_FAILED` with its SQLSTATE; a server that did not answer (down,
 * paused, refusing) is `E_INFRA_UNAVAILABLE` naming the host, retryable.
 */
export async function queryOnce<R extends pg.QueryResultRow = pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
  timeoutMs = 5_000,
): Promise<R[]> {
  try {
    return await withPgClient(
      url,
      async (client) => (await client.query<R>(sql, params)).rows,
      timeoutMs,
    )
  } catch (error) {
    throw queryError(url, error)
  }
}

function queryError(url: string, error: unknown): InfraError {
  const where = new URL(url).host
  const message = error instanceof Error ? error.message : String(error)
  if (error instanceof pg.DatabaseError) {
    return new InfraError('E_INFRA_COMMAND_FAILED', `Postgres at ${where}: ${message}`, {
      context: { service: 'postgres', host: where, sqlState: error.code },
      cause: error,
    })
  }
  return new InfraError('E_INFRA_UNAVAILABLE', `Postgres at ${where} did not answer: ${message}`, {
    context: { service: 'postgres', host: where },
    cause: error,
    retryable: true,
  })
}

/** Answers true when the server accepts a connection and runs `SELECT 1`. */
export async function pgAnswers(url: string): Promise<boolean> {
  try {
    await queryOnce(url, 'SELECT 1', [], 1_000)
    return true
  } catch {
    return false
  }
}

/** Builds a trust-auth URL for the `postgres` superuser on loopback. */
export function postgresUrl(host: string, port: number, database = 'postgres'): string {
  return `postgres://postgres@${host}:${port}/${database}`
}

/** Replaces the database name in a Postgres URL. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url)
  parsed.pathname = `/${database}`
  return parsed.toString()
}
