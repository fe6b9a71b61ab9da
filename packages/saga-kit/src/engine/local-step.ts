import { type Span, SpanStatusCode, context, trace } from '@opentelemetry/api'
import { type AttemptOutcome, applyOutcome, startedRow } from '../core/outcomes.js'
import { type Snapshot, stepKey } from '../core/records.js'
import type { Direction, LocalAction, LocalStepContext } from '../core/types.js'
import { toErrorRecord } from '../errors.js'
import type { Checkpoint } from './checkpoint.js'
import type { EngineDeps } from './engine-deps.js'
import { StepTx, withinMs } from './step-tx.js'
import { type AnyStep, recordStep, stepContext } from './steps.js'
import type { ClientTx } from './client-tx.js'

/** Runs one attempt inside the savepoint; the savepoint is released or rolled back here. */
async function attempt(
  deps: EngineDeps,
  tx: ClientTx,
  stepTx: StepTx,
  run: () => unknown,
  limitMs: number | null,
): Promise<AttemptOutcome> {
  const running = Promise.resolve().then(run)
  try {
    const settled = limitMs === null ? { value: await running } : await withinMs(running, limitMs)
    if (settled === 'timeout') {
      running.catch(() => {}) // the late outcome, whatever it is, is ignored
      await stepTx.fence(deps.db)
      await tx.client.query('ROLLBACK TO SAVEPOINT saga_step')
      const message = `Local step did not settle within ${limitMs} ms.`
      return {
        ok: false,
        error: { message, code: 'E_SAGA_STEP_TIMEOUT', retryable: true },
        timedOut: true,
      }
    }
    const result = settled.value ?? null
    JSON.stringify(result) // a result that cannot be stored must fail the step, not the transaction
    // The savepoint is left in place (no RELEASE round trip): COMMIT commits it with the rest,
    // and a later step of the same transaction sets and rolls back to its own, innermost one.
    stepTx.close(tx)
    return { ok: true, result }
  } catch (error) {
    stepTx.close(null)
    await tx.client.query('ROLLBACK TO SAVEPOINT saga_step')
    return { ok: false, error: toErrorRecord(error), timedOut: false }
  }
}

function startSpan(deps: EngineDeps, ctx: LocalStepContext<unknown>): Span {
  return deps.tracer.startSpan(`saga.step ${ctx.stepId}`, {
    attributes: {
      'saga.id': ctx.sagaId,
      'saga.name': ctx.sagaName,
      'saga.step': ctx.stepId,
      'saga.direction': ctx.direction,
      'saga.attempt': ctx.attempt,
    },
  })
}

/**
 * Runs a local step in the checkpoint transaction, under a savepoint: its writes commit with its
 * checkpoint, or are rolled back when it fails or outlives its `timeoutMs` (then its attempt
 * is recorded as a timeout, retried per its policy like any failure, and its late result is
 * ignored). `savepointSet`: the caller has just set `SAVEPOINT saga_step` (in the round trip
 * that opened the transaction) and written nothing since.
 */
export async function runLocal(
  deps: EngineDeps,
  tx: ClientTx,
  snap: Snapshot,
  cp: Checkpoint,
  step: AnyStep,
  direction: Direction,
  fn: LocalAction<unknown>,
  savepointSet: boolean,
): Promise<void> {
  const prev = snap.steps.get(stepKey(step.id, direction))
  const row = startedRow(step, direction, prev, deps.clock.now(), false)
  const base = stepContext(snap, step, direction, row.attempt)
  const limitMs = direction === 'invoke' ? step.localTimeoutMs : step.localCompensationTimeoutMs
  const stepTx = new StepTx(tx.client, limitMs !== null, {
    sagaId: base.sagaId,
    sagaName: base.sagaName,
    step: step.id,
    attempt: row.attempt,
  })
  const ctx = { ...base, tx: stepTx.tx }
  const span = startSpan(deps, ctx)
  if (!savepointSet) await tx.client.query('SAVEPOINT saga_step')
  const outcome = await attempt(
    deps,
    tx,
    stepTx,
    () => context.with(trace.setSpan(context.active(), span), () => fn(ctx)),
    limitMs,
  )
  if (!outcome.ok) span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.error.message })
  span.end()
  await deps.fault('local-step:before-checkpoint', { sagaId: ctx.sagaId, stepId: step.id })
  const next = applyOutcome(step, row, outcome, deps.clock.now(), deps.random)
  const kind = outcome.ok ? 'step.completed' : outcome.timedOut ? 'step.timeout' : 'step.failed'
  recordStep(deps, tx, snap, cp, step, next, kind)
}
