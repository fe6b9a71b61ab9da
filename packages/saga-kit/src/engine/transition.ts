import type { Decision } from '../core/planner.js'
import type { Snapshot } from '../core/records.js'
import type { Checkpoint } from './checkpoint.js'
import type { EngineDeps } from './engine-deps.js'
import { releaseLock } from './saga-locks.js'
import type { ClientTx } from './client-tx.js'

/**
 * Applies a state-machine decision that runs no step (advance, compensate, finish, fail) to the
 * snapshot, queues its history entry in `cp` and its event for after commit.
 */
export async function transition(
  deps: EngineDeps,
  tx: ClientTx,
  snap: Snapshot,
  cp: Checkpoint,
  d: Decision<unknown>,
): Promise<void> {
  const now = deps.clock.now()
  const i = snap.instance
  const base = { sagaId: i.sagaId, sagaName: i.sagaName }
  switch (d.type) {
    case 'advance':
      snap.instance = { ...i, cursor: d.cursor }
      if (d.cursor !== null) return // entering a group is implied by its steps' entries
      return cp.note(now, { kind: 'steps.done' })
    case 'compensate':
      snap.instance = { ...i, state: 'COMPENSATING', error: d.reason }
      tx.afterCommit(() => deps.emit({ type: 'saga:compensating', ...base, reason: d.reason }))
      return cp.note(now, {
        kind: d.reason.code === 'E_SAGA_DEADLINE' ? 'deadline.fired' : 'compensation.started',
        detail: d.reason,
      })
    case 'finish':
      snap.instance = { ...i, state: d.state, nextWakeAt: null, lockKey: i.lockKey }
      if (i.lockKey !== null) {
        const replayed = await releaseLock(deps, tx, i.lockKey, i.sagaId)
        const detail = { lockKey: i.lockKey, commands: replayed }
        if (replayed > 0) cp.note(now, { kind: 'stash.replayed', detail })
      }
      tx.afterCommit(() =>
        deps.emit({
          type: d.state === 'COMPLETED' ? 'saga:completed' : 'saga:compensated',
          ...base,
          durationMs: now - i.createdAt,
        }),
      )
      return cp.note(now, {
        kind: d.state === 'COMPLETED' ? 'completed' : 'compensated',
      })
    case 'fail':
      snap.instance = {
        ...i,
        state: 'FAILED',
        failedPhase: i.state === 'RUNNING' ? 'forward' : 'backward',
        failedStep: d.step,
        error: d.error,
        nextWakeAt: null,
      }
      tx.afterCommit(() =>
        deps.emit({ type: 'saga:failed', ...base, step: d.step, error: d.error }),
      )
      return cp.note(now, {
        kind: 'failed',
        stepId: d.step,
        direction: d.direction,
        detail: d.error,
      })
    case 'start':
    case 'timeout':
    case 'sleep':
      return
  }
}
