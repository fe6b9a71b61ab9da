import { formatLsn, tryParseLsn, type Lsn } from '@faultline/common'
import { InfraError, showValue } from '../errors.js'
import { queryOnce } from './pg-query.js'

/**
 * Postgres's LSN text as a BigInt (the form that compares correctly); anything else, which no
 * Postgres should send, is `E_INFRA_INVALID_LSN` naming the function that returned it.
 */
export function lsnFromPostgres(text: unknown, source: string): bigint {
  const value = tryParseLsn(text)
  if (value !== undefined) return value
  throw new InfraError(
    'E_INFRA_INVALID_LSN',
    `${source} returned ${showValue(text)}, which is not a Postgres LSN ("HI/LO" in hex).`,
    { context: { service: 'postgres', value: showValue(text) } },
  )
}

async function replayPosition(replicaUrl: string, timeoutMs?: number): Promise<bigint> {
  const rows = await queryOnce<{ lsn: string | null }>(
    replicaUrl,
    'SELECT pg_last_wal_replay_lsn()::text AS lsn',
    [],
    timeoutMs,
  )
  const lsn = rows[0]?.lsn
  if (lsn === null || lsn === undefined) {
    throw new InfraError(
      'E_INFRA_UNSUPPORTED',
      'The replica answered as a primary (pg_last_wal_replay_lsn() is null): was it promoted?',
      { context: { service: 'postgres-replica' } },
    )
  }
  return lsnFromPostgres(lsn, 'pg_last_wal_replay_lsn()')
}

/** The primary's `pg_current_wal_lsn()` as a BigInt. */
export async function writePosition(primaryUrl: string): Promise<bigint> {
  const rows = await queryOnce<{ lsn: string }>(
    primaryUrl,
    'SELECT pg_current_wal_lsn()::text AS lsn',
  )
  return lsnFromPostgres(rows[0]?.lsn, 'pg_current_wal_lsn()')
}

/** The replica's `pg_last_wal_replay_lsn()`, in the canonical text form (`formatLsn`). */
export async function readReplayLsn(replicaUrl: string): Promise<Lsn> {
  return formatLsn(await replayPosition(replicaUrl))
}

/** Bytes of WAL the primary has written that the replica has not replayed yet (never negative). */
export async function readReplicaLagBytes(primaryUrl: string, replicaUrl: string): Promise<bigint> {
  const [written, replayed] = await Promise.all([
    writePosition(primaryUrl),
    replayPosition(replicaUrl),
  ])
  const lag = written - replayed
  return lag > 0n ? lag : 0n
}

/**
 * Waits until the replica has replayed at least `target`; false once `timeoutMs` has passed. A
 * look that fails (the standby is restarting or paused) counts as "not yet".
 */
export async function waitForReplay(
  replicaUrl: string,
  target: bigint,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const replayed = await replayPosition(replicaUrl, Math.max(1, deadline - Date.now())).catch(
      () => -1n,
    )
    if (replayed >= target) return true
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  return false
}
