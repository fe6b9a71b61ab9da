import { silentLogger, type Logger, type SqlClient } from '@faultline/common'
import { checkInt, checkPort, stripUndefined } from '../validate.js'
import type { SqlPool } from './sql.js'

/** Options for `createReplicaRouter()`. */
export interface ReplicaRouterOptions {
  /** The primary (a `pg.Pool`): writes, tokens, and reads the replica cannot serve in time. */
  primary: SqlPool
  /**
   * One hot standby: a `pg.Pool` (or any `SqlClient`, such as a `pg.Client`). One router per
   * standby: replay positions differ between standbys.
   */
  replica: SqlClient
  /**
   * Longest a read waits for the replica to replay its token (or the key's invalidation LSN)
   * before it reads the primary instead, 0 to 60_000; 0 goes straight to the primary.
   * @default 250
   */
  maxWaitMs?: number | undefined
  /** First delay between replay probes while reads wait, 1 to 60_000; it doubles up to `pollMaxMs`. @default 5 */
  pollMinMs?: number | undefined
  /** Longest delay between replay probes while reads wait, `pollMinMs` to 60_000. @default 50 */
  pollMaxMs?: number | undefined
  /** After a failed replay probe, read the primary for this long (0 to 3_600_000) before trying the replica. @default 1_000 */
  replicaRetryAfterMs?: number | undefined
  /** A pino logger fits as it is. @default silentLogger */
  logger?: Logger | undefined
}

/** @internal Resolved options of a router. */
export interface ResolvedReplicaOptions {
  readonly primary: SqlPool
  readonly replica: SqlClient
  readonly logger: Logger
  readonly maxWaitMs: number
  readonly pollMinMs: number
  readonly pollMaxMs: number
  readonly replicaRetryAfterMs: number
}

/** Every default of the replica router in one place. */
export const REPLICA_DEFAULTS = Object.freeze({
  maxWaitMs: 250,
  pollMinMs: 5,
  pollMaxMs: 50,
  replicaRetryAfterMs: 1_000,
} as const)

/** @internal Validates the options once, at construction, with `E_CACHE_INVALID_OPTION`. */
export function resolveReplicaOptions(options: ReplicaRouterOptions): ResolvedReplicaOptions {
  const primary = checkPort<SqlPool>('primary', options?.primary, 'a pg.Pool', ['query', 'connect'])
  const replica = checkPort<SqlClient>('replica', options.replica, 'a pg.Pool or pg.Client', [
    'query',
  ])
  const logger =
    options.logger === undefined
      ? silentLogger
      : checkPort<Logger>('logger', options.logger, 'a Logger such as pino()', [
          'debug',
          'info',
          'warn',
          'error',
        ])
  const merged = { ...REPLICA_DEFAULTS, ...stripUndefined(options) }
  const pollMinMs = checkInt('pollMinMs', merged.pollMinMs, 1, 60_000)
  return {
    primary,
    replica,
    logger,
    maxWaitMs: checkInt('maxWaitMs', merged.maxWaitMs, 0, 60_000),
    pollMinMs,
    pollMaxMs: checkInt('pollMaxMs', merged.pollMaxMs, pollMinMs, 60_000),
    replicaRetryAfterMs: checkInt('replicaRetryAfterMs', merged.replicaRetryAfterMs, 0, 3_600_000),
  }
}
