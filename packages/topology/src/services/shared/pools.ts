import pg from 'pg'
import type { Logger } from '@faultline/common'

/** Options of {@link createPool}. */
export interface PoolOptions {
  /** @default 10 */
  readonly max?: number
  /** What the pool is for, on its log lines. */
  readonly name: string
  readonly logger: Logger
}

/**
 * A `pg.Pool` with an `error` listener: an idle client the server drops (a Postgres restart, a
 * killed backend) must be logged, not crash the process with an unhandled `error` event.
 */
export function createPool(url: string, options: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: 5_000,
    application_name: options.name,
  })
  pool.on('error', (error) => {
    options.logger.warn({ pool: options.name, error: error.message }, 'idle database client failed')
  })
  return pool
}
