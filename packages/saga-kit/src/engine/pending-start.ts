import type { PoolClient, QueryResult } from 'pg'
import { inline } from './client-tx.js'

/** Whether a saga that the reply handler could not see exists after all. */
export type StartVisibility = 'visible' | 'absent' | 'still-committing'

const LOCK_NOT_AVAILABLE = '55P03'

/**
 * Waits for a start of `sagaId` that is still committing, at most `waitMs`. A reply can arrive
 * before its saga's start is visible to other sessions: a logical-replication relay may publish
 * a transaction's commands as soon as its commit record is in the WAL, before the committing
 * session has finished (a synchronous-commit wait lasts that long). No read sees that saga row
 * and no row lock waits for it, but a unique-index check does: an insert of the same id waits
 * for the inserting transaction to end. So an `ON CONFLICT DO NOTHING` insert under a savepoint,
 * rolled back at once, tells the three cases apart: it conflicts when the start is visible (at
 * once, or once it committed), it inserts when no saga of that id exists or is being started,
 * and it runs into `lock_timeout` when the start is still committing after `waitMs`.
 * The placeholder row never commits, and `lock_timeout` is reset with the savepoint.
 */
export async function awaitPendingStart(
  client: PoolClient,
  sagaId: string,
  waitMs: number,
): Promise<StartVisibility> {
  const probe = inline(
    `SAVEPOINT saga_start_probe;
     SET LOCAL lock_timeout = $2;
     INSERT INTO saga.instance (saga_id, saga_name, state, data, created_at, updated_at)
       VALUES ($1, '', 'FAILED', 'null', 0, 0) ON CONFLICT (saga_id) DO NOTHING`,
    [sagaId, `${Math.max(1, Math.ceil(waitMs))}ms`],
  )
  let verdict: StartVisibility
  try {
    const results = (await client.query(probe)) as unknown as QueryResult[]
    verdict = results[2]?.rowCount === 1 ? 'absent' : 'visible'
  } catch (error) {
    if ((error as { code?: unknown }).code !== LOCK_NOT_AVAILABLE) throw error
    verdict = 'still-committing'
  }
  await client.query('ROLLBACK TO SAVEPOINT saga_start_probe; RELEASE SAVEPOINT saga_start_probe')
  return verdict
}
