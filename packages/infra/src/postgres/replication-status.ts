import { lsnToBigInt, queryOnce } from './pg-query.js'

/** The replica's `pg_last_wal_replay_lsn()`. */
export async function readReplayLsn(replicaUrl: string): Promise<string> {
  const rows = await queryOnce<{ lsn: string | null }>(
    replicaUrl,
    'SELECT pg_last_wal_replay_lsn()::text AS lsn',
  )
  const lsn = rows[0]?.lsn
  if (lsn === null || lsn === undefined)
    throw new Error('the server is not a standby (no replay LSN)')
  return lsn
}

/** Bytes of WAL the primary has written that the replica has not replayed yet (never negative). */
export async function readReplicaLagBytes(primaryUrl: string, replicaUrl: string): Promise<bigint> {
  const [primary, replay] = await Promise.all([
    queryOnce<{ lsn: string }>(primaryUrl, 'SELECT pg_current_wal_lsn()::text AS lsn'),
    readReplayLsn(replicaUrl),
  ])
  const written = lsnToBigInt(primary[0]?.lsn ?? '0/0')
  const lag = written - lsnToBigInt(replay)
  return lag > 0n ? lag : 0n
}

/** Waits until the replica has replayed at least `lsn`, or the timeout passes. */
export async function waitForReplay(
  replicaUrl: string,
  lsn: string,
  timeoutMs: number,
): Promise<boolean> {
  const target = lsnToBigInt(lsn)
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (lsnToBigInt(await readReplayLsn(replicaUrl)) >= target) return true
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  return false
}
