import { SpanKind } from '@opentelemetry/api'
import type { QueryResult } from 'pg'
import { decodeReply, type ReplyBody } from '../core/messages.js'
import { applyReply } from '../core/outcomes.js'
import { type Snapshot, stepKey } from '../core/records.js'
import { isCommand } from '../core/types.js'
import type { Delivery, SagaMessage } from '../ports.js'
import { contextFromHeaders } from '../telemetry.js'
import type { EngineDeps } from './engine-deps.js'
import { drive } from './drive.js'
import { Checkpoint } from './checkpoint.js'
import { awaitPendingStart, type StartVisibility } from './pending-start.js'
import { deadLetter, historyStatement, lockStatements, snapshotOf } from './saga-rows.js'
import { type ClientTx, runInTx } from './client-tx.js'

async function reject(
  deps: EngineDeps,
  tx: ClientTx,
  message: SagaMessage,
  reason: string,
  sagaId?: string,
): Promise<false> {
  deps.logger.warn({ messageId: message.id, sagaId }, `saga-kit: reply dead-lettered: ${reason}`)
  await deadLetter(tx.client, deps.clock.now(), 'orchestrator', reason, message)
  tx.afterCommit(() => deps.emit({ type: 'message:dead-lettered', reason, sagaId }))
  return false
}

/**
 * Locks the saga's row and reads its step log (then sets the local step's savepoint, when asked).
 * A saga not found may be one whose start is still committing: that start is waited for.
 */
async function lockSaga(
  deps: EngineDeps,
  tx: ClientTx,
  sagaId: string,
  savepointSet: boolean,
): Promise<Snapshot | Exclude<StartVisibility, 'visible'>> {
  const opening = lockStatements(sagaId) + (savepointSet ? ';\nSAVEPOINT saga_step' : '')
  const read = async () => snapshotOf((await tx.client.query(opening)) as unknown as QueryResult[])
  const snap = await read()
  if (snap !== null) return snap
  // Set again after the row lock once the saga is there: rolling back to a savepoint set before
  // the lock would give the lock up.
  if (savepointSet) await tx.client.query('RELEASE SAVEPOINT saga_step')
  const seen = await awaitPendingStart(tx.client, sagaId, deps.startCommitWaitMs)
  if (seen !== 'visible') return seen
  return (await read()) ?? 'absent'
}

async function applyInTx(
  deps: EngineDeps,
  tx: ClientTx,
  message: SagaMessage,
  reply: ReplyBody,
): Promise<boolean> {
  const savepointSet = localStepNext(deps, reply)
  const snap = await lockSaga(deps, tx, reply.sagaId, savepointSet)
  if (snap === 'absent')
    return reject(deps, tx, message, `unknown saga "${reply.sagaId}"`, reply.sagaId)
  if (snap === 'still-committing') {
    const reason = `saga "${reply.sagaId}" is not visible: a start of it has not committed within ${deps.startCommitWaitMs} ms (startCommitWaitMs)`
    return reject(deps, tx, message, reason, reply.sagaId)
  }
  const def = deps.sagas.get(snap.instance.sagaName)
  const step = def?.findStep(reply.stepId)
  if (def === undefined || step === undefined) {
    return reject(
      deps,
      tx,
      message,
      `saga "${reply.sagaId}" (${snap.instance.sagaName}) has no step "${reply.stepId}"`,
      reply.sagaId,
    )
  }
  await deps.fault('reply:before-apply', { sagaId: reply.sagaId, stepId: reply.stepId })
  const now = deps.clock.now()
  const key = stepKey(reply.stepId, reply.direction)
  const outcome =
    reply.outcome === 'ok'
      ? { ok: true as const, result: reply.result ?? null }
      : {
          ok: false as const,
          error: reply.error ?? { message: 'failed', retryable: false },
          timedOut: false,
        }
  const terminal = !['RUNNING', 'COMPENSATING'].includes(snap.instance.state)
  const effect = terminal
    ? { applied: false as const, reason: `saga is ${snap.instance.state}` }
    : applyReply(step, snap.steps.get(key), { attempt: reply.attempt, outcome }, now, deps.random)
  if (!effect.applied) {
    await tx.defer(
      historyStatement(reply.sagaId, now, {
        kind: 'reply.ignored',
        stepId: reply.stepId,
        direction: reply.direction,
        attempt: reply.attempt,
        // The error too: what a participant said matters even when it came too late to count.
        detail: { reason: effect.reason, outcome: reply.outcome, error: reply.error },
      }),
    )
    return false
  }
  snap.steps.set(key, effect.row)
  const kind =
    { done: 'step.completed', failed: 'step.failed', retry_wait: 'step.retrying' }[
      effect.row.status as 'done'
    ] ?? 'step.reply'
  // The row's step and direction are the reply's; the entry keeps the reply's own attempt. Both
  // go out with the pass's checkpoint, in the same round trip as the saga's next commands.
  const checkpoint = new Checkpoint(reply.sagaId)
  checkpoint.step(effect.row, now, kind, reply.attempt)
  const event = {
    sagaId: reply.sagaId,
    sagaName: snap.instance.sagaName,
    step: reply.stepId,
    direction: reply.direction,
    attempt: reply.attempt,
    latencyMs: now - effect.row.startedAt,
  }
  const type =
    effect.row.status === 'done'
      ? 'step:completed'
      : effect.row.status === 'failed'
        ? 'step:failed'
        : 'step:retrying'
  tx.afterCommit(() => deps.emit({ type, ...event }))
  return drive(deps, tx, snap, { checkpoint, savepointSet })
}

/**
 * Whether the step after the replied one starts with a local step, which then runs under a
 * savepoint set in the round trip that locks the saga (instead of one of its own).
 */
function localStepNext(deps: EngineDeps, reply: ReplyBody): boolean {
  if (reply.direction !== 'invoke' || reply.outcome !== 'ok') return false
  const def = deps.sagas.get(reply.sagaName)
  const at =
    def?.groups.findIndex((group) => group.steps.some((step) => step.id === reply.stepId)) ?? -1
  const next = at < 0 ? undefined : def?.groups[at + 1]
  return next?.steps.some((step) => step.invoke !== undefined && !isCommand(step.invoke)) ?? false
}

/**
 * Applies one reply under the saga's row lock and continues the saga in the same transaction:
 * the transport's (`delivery`) when it is on the saga database, so the receipt and the
 * transition are one commit, else one of its own. Malformed replies and replies for unknown
 * sagas or steps are dead-lettered, never thrown; a reply whose saga's start is still committing
 * waits for that commit first (at most `startCommitWaitMs`). Returns the saga id when more work is due
 * right away (in the transport's transaction, that work is woken after its commit instead).
 */
export async function handleReply(
  deps: EngineDeps,
  message: SagaMessage,
  delivery?: Delivery,
): Promise<string | null> {
  const reply = decodeReply(message)
  const span = deps.tracer.startSpan(
    `saga.reply ${message.type}`,
    { kind: SpanKind.CONSUMER },
    contextFromHeaders(message.headers),
  )
  const run = async (tx: ClientTx): Promise<string | null> => {
    if (typeof reply === 'string')
      return reject(deps, tx, message, `malformed reply: ${reply}`).then(() => null)
    return (await applyInTx(deps, tx, message, reply)) ? reply.sagaId : null
  }
  try {
    if (delivery !== undefined && delivery.db === deps.db) {
      // The transport builds its SagaTx as a ClientTx (as `start({ tx })` callers do).
      const tx = delivery.tx as ClientTx
      const more = await run(tx)
      if (more !== null) tx.afterCommit(() => deps.wake(more))
      return null
    }
    return await runInTx(
      deps.db,
      run,
      (failure) =>
        deps.logger.error({ error: String(failure) }, 'saga-kit: after-commit hook failed'),
      true,
    )
  } finally {
    span.end()
  }
}
