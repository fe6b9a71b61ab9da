import { stepKey, type Snapshot } from '../core/records.js'
import { SagaKitError } from '../errors.js'
import type { EngineDeps } from './engine-deps.js'
import { drive } from './drive.js'
import { appendHistory, loadForUpdate, saveStep } from './saga-rows.js'
import { runInTx } from './client-tx.js'

/** What an operator does with the failed step of a FAILED saga. */
export type OperatorAction = 'retry' | 'skip'

async function lockFailed(
  deps: EngineDeps,
  client: Parameters<typeof loadForUpdate>[0],
  sagaId: string,
): Promise<Snapshot> {
  const snap = await loadForUpdate(client, sagaId)
  if (snap === null)
    throw new SagaKitError('E_SAGA_NOT_FOUND', `No saga "${sagaId}".`, { context: { sagaId } })
  if (snap.instance.state !== 'FAILED') {
    throw new SagaKitError(
      'E_SAGA_BAD_STATE',
      `Saga "${sagaId}" is ${snap.instance.state}; only a FAILED saga can be resumed, retried or skipped.`,
      { context: { sagaId, sagaName: snap.instance.sagaName } },
    )
  }
  return snap
}

/**
 * Resumes a FAILED saga: the named step (default: the one that failed) gets a fresh attempt
 * budget (`retry`) or is marked as handled by hand (`skip`), and the saga carries on in the
 * direction it was going. Returns true when more work is due.
 */
export async function operate(
  deps: EngineDeps,
  sagaId: string,
  action: OperatorAction,
  stepId?: string,
): Promise<boolean> {
  return runInTx(
    deps.db,
    async (tx) => {
      const snap = await lockFailed(deps, tx.client, sagaId)
      const record = snap.instance
      const direction = record.failedPhase === 'backward' ? 'compensate' : 'invoke'
      const target = stepId ?? record.failedStep ?? ''
      const step = deps.sagas.get(record.sagaName)?.findStep(target)
      const row = snap.steps.get(stepKey(target, direction))
      const now = deps.clock.now()
      if (row !== undefined && row.status === 'failed' && step !== undefined) {
        const policy = direction === 'invoke' ? step.retry : step.compensationRetry
        const next =
          action === 'skip'
            ? { ...row, status: 'skipped' as const, finishedAt: now }
            : {
                ...row,
                status: 'retry_wait' as const,
                nextAt: now,
                attemptLimit: row.attempt + policy.maxAttempts,
              }
        snap.steps.set(stepKey(target, direction), next)
        await saveStep(tx.client, sagaId, next)
      } else if (stepId !== undefined) {
        throw new SagaKitError(
          'E_SAGA_UNKNOWN_STEP',
          `Saga "${sagaId}" has no failed ${direction} of step "${stepId}".`,
          { context: { sagaId, step: stepId } },
        )
      }
      snap.instance = {
        ...record,
        state: record.failedPhase === 'backward' ? 'COMPENSATING' : 'RUNNING',
        failedPhase: null,
        failedStep: null,
        error: record.failedPhase === 'backward' ? record.error : null,
        nextWakeAt: now,
      }
      await appendHistory(tx.client, sagaId, now, {
        kind: `operator.${action}`,
        stepId: target,
        direction,
      })
      return drive(deps, tx, snap)
    },
    undefined,
    true,
  )
}
