import type { Pool } from 'pg'

/** SQLSTATE classes of a database that cannot serve: connection exceptions, shutting down. */
const UNREACHABLE_STATES = /^(08|57P0[1-3])/

/** Socket errors of a host that does not answer, or answers with no database there. */
const UNREACHABLE_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
])

/** What node-postgres says when a connection drops, or cannot be had in time. */
const UNREACHABLE_MESSAGE =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i

/**
 * @internal True when `error` (or an error it wraps, through `cause`) means the database could
 * not be reached, rather than that a statement failed: the same test as sync-kit's consumer
 * store applies to a store outage.
 */
export function isUnreachable(error: unknown): boolean {
  for (let depth = 0; depth < 5 && typeof error === 'object' && error !== null; depth++) {
    const code = (error as { code?: unknown }).code
    if (typeof code === 'string' && (UNREACHABLE_STATES.test(code) || UNREACHABLE_ERRNO.has(code)))
      return true
    if (error instanceof Error && UNREACHABLE_MESSAGE.test(error.message)) return true
    error = (error as { cause?: unknown }).cause
  }
  return false
}

/** The connection settings node-postgres keeps on a pool, as far as they name the server. */
interface PoolSettings {
  readonly host?: unknown
  readonly port?: unknown
  readonly connectionString?: unknown
}

/**
 * @internal Where `pool` connects, `host:port`, read from its settings (or the `PGHOST` and
 * `PGPORT` node-postgres falls back to), with no user name or password; undefined when the pool
 * does not say (e.g. a test double).
 */
export function databaseEndpoint(pool: Pool): string | undefined {
  const settings = (pool as { options?: PoolSettings }).options
  if (settings === undefined) return undefined
  let host = typeof settings.host === 'string' ? settings.host : undefined
  let port = typeof settings.port === 'number' ? String(settings.port) : undefined
  if (typeof settings.connectionString === 'string') {
    const parsed = parseConnectionString(settings.connectionString)
    host ??= parsed?.host
    port ??= parsed?.port
  }
  host ??= process.env.PGHOST ?? 'localhost'
  port ??= process.env.PGPORT ?? '5432'
  return `${host}:${port}`
}

function parseConnectionString(text: string): { host?: string; port?: string } | undefined {
  try {
    const url = new URL(text)
    return {
      ...(url.hostname !== '' && { host: decodeURIComponent(url.hostname) }),
      ...(url.port !== '' && { port: url.port }),
    }
  } catch {
    return undefined
  }
}
