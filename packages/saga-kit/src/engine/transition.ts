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
  decision: Decision<unknown>,
): Promise<void> {
  const now = deps.clock.now()
  const record = snap.instance
  const base = { sagaId: record.sagaId, sagaName: record.sagaName }
  switch (decision.type) {
    case 'advance':
      snap.instance = { ...record, cursor: decision.cursor }
      if (decision.cursor !== null) return // entering a group is implied by its steps' entries
      return cp.note(now, { kind: 'steps.done' })
    case 'compensate':
      snap.instance = { ...record, state: 'COMPENSATING', error: decision.reason }
      tx.afterCommit(() =>
        deps.emit({ type: 'saga:compensating', ...base, reason: decision.reason }),
      )
      return cp.note(now, {
        kind:
          decision.reason.code === 'E_SAGA_DEADLINE' ? 'deadline.fired' : 'compensation.started',
        detail: decision.reason,
      })
    case 'finish':
      snap.instance = {
        ...record,
        state: decision.state,
        nextWakeAt: null,
        lockKey: record.lockKey,
      }
      if (record.lockKey !== null) {
        const replayed = await releaseLock(deps, tx, record.lockKey, record.sagaId)
        const detail = { lockKey: record.lockKey, commands: replayed }
        if (replayed > 0) cp.note(now, { kind: 'stash.replayed', detail })
      }
      tx.afterCommit(() =>
        deps.emit({
          type: decision.state === 'COMPLETED' ? 'saga:completed' : 'saga:compensated',
          ...base,
          durationMs: now - record.createdAt,
        }),
      )
      return cp.note(now, {
        kind: decision.state === 'COMPLETED' ? 'completed' : 'compensated',
      })
    case 'fail':
      snap.instance = {
        ...record,
        state: 'FAILED',
        failedPhase: record.state === 'RUNNING' ? 'forward' : 'backward',
        failedStep: decision.step,
        error: decision.error,
        nextWakeAt: null,
      }
      tx.afterCommit(() =>
        deps.emit({ type: 'saga:failed', ...base, step: decision.step, error: decision.error }),
      )
      return cp.note(now, {
        kind: 'failed',
        stepId: decision.step,
        direction: decision.direction,
        detail: decision.error,
      })
    case 'start':
    case 'timeout':
    case 'sleep':
      return
  }
}
