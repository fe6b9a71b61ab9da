import type { EngineDeps } from './engine-deps.js'
import { guardEntity, replayStashed } from './entity-locks.js'
import { appendHistory } from './saga-rows.js'
import type { ClientTx } from './client-tx.js'

/** What {@link acquireLock} found: `taken` when this call wrote the lock row itself. */
export type LockAttempt =
  | { readonly acquired: true; readonly taken: boolean }
  | { readonly acquired: false; readonly holder: string }

/**
 * Takes the semantic lock on `lockKey` for `sagaId`. Returns the current holder when another saga
 * has it. The primary key serialises concurrent takers: the second waits for the first's commit;
 * the exclusive guard first waits for commands on the entity that saw it free to commit.
 */
export async function acquireLock(
  tx: ClientTx,
  lockKey: string,
  sagaId: string,
  now: number,
): Promise<LockAttempt> {
  await guardEntity(tx.client, lockKey, 'exclusive')
  const inserted = await tx.client.query(
    'INSERT INTO saga.lock (lock_key, saga_id, acquired_at) VALUES ($1,$2,$3) ON CONFLICT (lock_key) DO NOTHING',
    [lockKey, sagaId, now],
  )
  if (inserted.rowCount === 1) return { acquired: true, taken: true }
  const { rows } = await tx.client.query<{ saga_id: string }>(
    'SELECT saga_id FROM saga.lock WHERE lock_key = $1',
    [lockKey],
  )
  const holder = rows[0]?.saga_id
  if (holder === undefined || holder === sagaId) return { acquired: true, taken: false }
  return { acquired: false, holder }
}

/**
 * Gives back a lock row this transaction wrote for a saga it then did not create (a twin start
 * of the same id committed first). Nobody else saw the row: the exclusive guard taken with it is
 * held until this transaction ends, so no command or saga was stashed on it meanwhile.
 */
export async function dropTakenLock(tx: ClientTx, lockKey: string, sagaId: string): Promise<void> {
  await tx.client.query('DELETE FROM saga.lock WHERE lock_key = $1 AND saga_id = $2', [
    lockKey,
    sagaId,
  ])
}

/**
 * Releases a saga's lock: sends again the commands participants stashed on the key, and hands the
 * lock to the oldest saga stashed on it, which becomes RUNNING in this same transaction (no
 * window in which a third saga can slip in between; a replayed command that finds it holding
 * the lock is stashed again until it ends). The exclusive guard waits for commands being
 * stashed right now, so none is left behind. Returns how many stashed commands were sent again
 * (the caller records that in the releasing saga's history, in order with its other entries).
 */
export async function releaseLock(
  deps: EngineDeps,
  tx: ClientTx,
  lockKey: string,
  sagaId: string,
): Promise<number> {
  const now = deps.clock.now()
  await guardEntity(tx.client, lockKey, 'exclusive')
  await tx.client.query('DELETE FROM saga.lock WHERE lock_key = $1 AND saga_id = $2', [
    lockKey,
    sagaId,
  ])
  const replayed = await replayStashed(deps.transport, tx, lockKey)
  const { rows } = await tx.client.query<{ saga_id: string }>(
    `SELECT saga_id FROM saga.instance WHERE state = 'STASHED' AND lock_key = $1
     ORDER BY created_at, saga_id LIMIT 1 FOR UPDATE`,
    [lockKey],
  )
  const next = rows[0]?.saga_id
  if (next === undefined) return replayed
  await tx.client.query(
    'INSERT INTO saga.lock (lock_key, saga_id, acquired_at) VALUES ($1,$2,$3)',
    [lockKey, next, now],
  )
  await tx.client.query(
    `UPDATE saga.instance SET state = 'RUNNING', next_wake_at = $2, owner = NULL, lease_until = NULL,
       version = version + 1, updated_at = $2 WHERE saga_id = $1`,
    [next, now],
  )
  await appendHistory(tx.client, next, now, {
    kind: 'unstashed',
    detail: { lockKey, after: sagaId },
  })
  tx.afterCommit(() => deps.wake(next))
  return replayed
}
