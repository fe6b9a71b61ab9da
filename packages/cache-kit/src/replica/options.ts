import { CacheKitError } from '../errors.js'
import type { Logger } from '../ports.js'
import type { SqlPool } from './sql.js'

/** Options for {@link createReplicaRouter}. */
export interface ReplicaRouterOptions {
  /** The primary: writes, tokens, and reads the replica cannot serve in time. */
  primary: SqlPool
  /** One hot standby (one router per standby: replay positions differ between standbys). */
  replica: SqlPool
  /**
   * Longest a read waits for the replica to replay its token (or the key's invalidation LSN)
   * before it reads the primary instead; 0 goes straight to the primary. @default 250
   */
  maxWaitMs?: number
  /** First delay between replay probes while reads wait; it doubles up to `pollMaxMs`. @default 5 */
  pollMinMs?: number
  /** Longest delay between replay probes while reads wait. @default 50 */
  pollMaxMs?: number
  /** After a failed replay probe, read the primary for this long before trying the replica. @default 1_000 */
  replicaRetryAfterMs?: number
  /** @default silentLogger */
  logger?: Logger
}

/** Resolved tunables of a router. */
export interface ResolvedReplicaOptions {
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

function checkMs(option: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new CacheKitError(
      'E_CACHE_INVALID_OPTION',
      `Option ${option} must be an integer from ${min} to ${max} (milliseconds); got ${String(value)}.`,
      { context: { option, value } },
    )
  }
  return value
}

function checkPool(option: string, value: unknown): void {
  const pool = value as Partial<SqlPool> | undefined
  if (typeof pool?.query !== 'function' || typeof pool.connect !== 'function') {
    throw new CacheKitError(
      'E_CACHE_INVALID_OPTION',
      `Option ${option} must be a pg.Pool (query() and connect()).`,
      { context: { option } },
    )
  }
}

/** Validates the options once, at construction. */
export function resolveReplicaOptions(options: ReplicaRouterOptions): ResolvedReplicaOptions {
  checkPool('primary', options?.primary)
  checkPool('replica', options.replica)
  const o = { ...REPLICA_DEFAULTS, ...definedOnly(options) }
  const pollMinMs = checkMs('pollMinMs', o.pollMinMs, 1, 60_000)
  return {
    maxWaitMs: checkMs('maxWaitMs', o.maxWaitMs, 0, 60_000),
    pollMinMs,
    pollMaxMs: checkMs('pollMaxMs', o.pollMaxMs, pollMinMs, 60_000),
    replicaRetryAfterMs: checkMs('replicaRetryAfterMs', o.replicaRetryAfterMs, 0, 3_600_000),
  }
}

function definedOnly(options: ReplicaRouterOptions): Partial<ResolvedReplicaOptions> {
  const { maxWaitMs, pollMinMs, pollMaxMs, replicaRetryAfterMs } = options
  const picked = { maxWaitMs, pollMinMs, pollMaxMs, replicaRetryAfterMs }
  return Object.fromEntries(Object.entries(picked).filter(([, v]) => v !== undefined))
}
