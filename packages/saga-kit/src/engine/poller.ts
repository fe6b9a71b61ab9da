import type { EngineDeps } from './engine-deps.js'
import { drive } from './drive.js'
import { loadSteps, toInstance } from './saga-rows.js'
import { runInTx } from './client-tx.js'

const DUE = `state IN ('RUNNING','COMPENSATING') AND next_wake_at <= $1
  AND (owner IS NULL OR owner = $2 OR lease_until < $1) AND NOT (saga_id = ANY($3::text[]))`

/**
 * Claims one due saga this process may work on (its own, unowned, or one whose lease expired:
 * a dead orchestrator's), skipping rows another process holds, and advances it.
 * Returns the saga id, or null when nothing was due.
 */
export async function claimAndRunOne(
  deps: EngineDeps,
  skip: ReadonlySet<string>,
): Promise<string | null> {
  // Most polls find nothing: one plain read answers that, where a transaction costs three
  // round trips (BEGIN, the locking select, COMMIT). The transaction below re-checks.
  const probe = await deps.db.query(`SELECT 1 FROM saga.instance WHERE ${DUE} LIMIT 1`, [
    deps.clock.now(),
    deps.ownerId,
    [...skip],
  ])
  if (probe.rows.length === 0) return null
  return runInTx(
    deps.db,
    async (tx) => {
      const now = deps.clock.now()
      const { rows } = await tx.client.query(
        `SELECT * FROM saga.instance WHERE ${DUE}
       ORDER BY next_wake_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
        [now, deps.ownerId, [...skip]],
      )
      const row = rows[0] as Record<string, unknown> | undefined
      if (row === undefined) return null
      const instance = toInstance(row)
      if (instance.owner !== null && instance.owner !== deps.ownerId) {
        deps.logger.info(
          {
            sagaId: instance.sagaId,
            from: instance.owner,
          },
          'saga-kit: taking over a saga whose lease expired',
        )
      }
      await drive(deps, tx, { instance, steps: await loadSteps(tx.client, instance.sagaId) })
      return instance.sagaId
    },
    (failure) =>
      deps.logger.error({ error: String(failure) }, 'saga-kit: after-commit hook failed'),
    true,
  )
}

/**
 * Extends the lease of every active saga this process owns; returns how many. One bulk UPDATE
 * would lock the rows in scan order and wait for each one held elsewhere, while a chunk of reply
 * transactions holds several instance rows taken in the order its messages came: a renewal that
 * locked one of them and waits for another deadlocks with it, whatever order it takes. So the
 * rows are locked in saga id order and a row another transaction holds is skipped, never
 * waited for: its holder writes the lease itself when it checkpoints, and the next renewal, a
 * third of a lease later, catches any row it left as it was.
 */
export async function renewLeases(deps: EngineDeps): Promise<number> {
  const now = deps.clock.now()
  const res = await deps.db.query(
    `UPDATE saga.instance i SET lease_until = $1
     FROM (SELECT saga_id FROM saga.instance
           WHERE owner = $2 AND state IN ('RUNNING','COMPENSATING')
           ORDER BY saga_id FOR UPDATE SKIP LOCKED) mine
     WHERE i.saga_id = mine.saga_id`,
    [now + deps.leaseMs, deps.ownerId],
  )
  return res.rowCount ?? 0
}
