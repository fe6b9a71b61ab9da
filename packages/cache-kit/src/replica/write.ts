import { formatLsn, type Lsn, type SqlClient } from '@faultline/common'
import { CacheKitError } from '../errors.js'
import { commandOf, lsnColumn, runOwn, sourceError, type SqlPool, type SqlSession } from './sql.js'

/** What {@link ReplicaRouter.write} returns. */
export interface WriteResult<T> {
  readonly result: T
  /**
   * Read-your-writes token: an LSN at or past the end of this transaction's commit record. Pass it
   * to `cache.invalidate(key, { lsn: token })` and to reads that must see the write.
   */
  readonly token: Lsn
}

/*
 * Why the insert position, read after COMMIT returned: a standby has applied a commit only once its
 * replay LSN (the end of the last record replayed) reaches the END of the commit record. The
 * commit record's start LSN is too small (replay can stop right before the record), and
 * `pg_current_wal_lsn()` is the write position, which under `synchronous_commit = off` can still
 * be behind the commit record. `pg_current_wal_insert_lsn()` is past every record inserted so far,
 * so it is at or past the end of our commit record. It may be slightly past it (other sessions'
 * WAL, a page header), which can only make a reader wait a little longer, never read stale data.
 */
const TOKEN_SQL = 'SELECT pg_current_wal_insert_lsn()::text AS lsn'

/** @internal Reads a token covering every commit that returned before this call. */
export async function readCurrentToken(db: SqlClient): Promise<Lsn> {
  const result = await runOwn(
    db,
    TOKEN_SQL,
    'token',
    'Reading the commit LSN on the primary failed',
  )
  const lsn = lsnColumn(result, 'token')
  if (lsn === null)
    throw sourceError('token', 'The primary returned no WAL insert LSN', undefined, false)
  try {
    return formatLsn(lsn)
  } catch (cause) {
    throw sourceError('token', `The primary returned "${lsn}" as its WAL insert LSN`, cause, false)
  }
}

/**
 * BEGIN, `work`, COMMIT on one primary connection, then the token. `work` gets the connection as
 * a `SqlClient`, so any kit's function that takes one (sync-kit's `appendEvents(tx, …)`) writes in
 * the same transaction with no cast.
 */
export async function runWrite<T>(
  pool: SqlPool,
  work: (tx: SqlClient) => Promise<T>,
): Promise<WriteResult<T>> {
  let session: SqlSession
  try {
    session = await pool.connect()
  } catch (cause) {
    throw sourceError('connect', 'Connecting to the primary failed', cause)
  }
  // Destroy the connection unless the transaction is known to be over (its state is unknown).
  let destroy = true
  try {
    await runOwn(session, 'BEGIN', 'begin', 'BEGIN on the primary failed')
    let result: T
    try {
      result = await work(session)
    } catch (error) {
      destroy = !(await rollback(session))
      throw error
    }
    await commit(session)
    const token = await readCurrentToken(session)
    destroy = false
    return { result, token }
  } finally {
    session.release(destroy)
  }
}

/** True when the ROLLBACK went through. */
async function rollback(session: SqlSession): Promise<boolean> {
  try {
    await session.query('ROLLBACK')
    return true
  } catch {
    return false
  }
}

async function commit(session: SqlSession): Promise<void> {
  let tag: string | undefined
  try {
    tag = commandOf(await session.query('COMMIT'))
  } catch (cause) {
    // The server may have committed before the connection dropped: the outcome is unknown.
    throw sourceError(
      'commit',
      'COMMIT on the primary failed and its outcome is unknown',
      cause,
      false,
    )
  }
  if (tag === 'ROLLBACK') {
    throw new CacheKitError(
      'E_CACHE_SOURCE_FAILED',
      'The write transaction was rolled back: a statement in it failed and the error was caught.',
      { context: { operation: 'commit' } },
    )
  }
}
