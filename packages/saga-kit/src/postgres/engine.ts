import { SpanKind } from '@opentelemetry/api'
import type { SagaDefinition } from '../core/define-saga.js'
import { applyOutcome, startedRow } from '../core/outcomes.js'
import { decide, type Decision } from '../core/planner.js'
import { type Snapshot, stepKey } from '../core/records.js'
import { participantChannel, sagaMessage } from '../core/messages.js'
import { type CommandAction, type Direction, isCommand } from '../core/types.js'
import { toErrorRecord } from '../errors.js'
import { traceHeaders } from '../telemetry.js'
import type { EngineDeps } from './deps.js'
import { runLocal } from './local-step.js'
import { releaseLock } from './locks.js'
import { appendHistory, saveInstance } from './repo.js'
import { type AnyStep, recordStep, stepContext } from './steps.js'
import type { ClientTx } from './tx.js'

// Generic saga registry: each definition only ever sees its own data.
type AnyDef = SagaDefinition<any> // eslint-disable-line @typescript-eslint/no-explicit-any

const MAX_DECISIONS_PER_TX = 500

async function sendCommand(
  deps: EngineDeps,
  tx: ClientTx,
  snap: Snapshot,
  step: AnyStep,
  direction: Direction,
  action: CommandAction<unknown>,
): Promise<void> {
  const now = deps.clock.now()
  const row = startedRow(step, direction, snap.steps.get(stepKey(step.id, direction)), now, true)
  const ctx = stepContext(snap, step, direction, row.attempt)
  let payload: unknown
  try {
    payload = action.payload(ctx)
  } catch (error) {
    const failed = applyOutcome(
      step,
      row,
      { ok: false, error: { ...toErrorRecord(error), retryable: false }, timedOut: false },
      now,
      deps.random,
    )
    return recordStep(deps, tx, snap, step, failed, 'step.failed')
  }
  const span = deps.tracer.startSpan(`saga.command ${action.command}`, {
    kind: SpanKind.PRODUCER,
    attributes: {
      'saga.id': ctx.sagaId,
      'saga.step': step.id,
      'saga.direction': direction,
      'saga.attempt': row.attempt,
    },
  })
  const body = {
    sagaId: ctx.sagaId,
    sagaName: ctx.sagaName,
    stepId: step.id,
    direction,
    attempt: row.attempt,
    idempotencyKey: ctx.idempotencyKey,
    replyTo: deps.replyChannel,
    payload,
  }
  await deps.transport.send(
    tx,
    participantChannel(action.participant),
    sagaMessage(action.command, body, traceHeaders(span)),
  )
  span.end()
  await deps.faultPoint('command:after-send', { sagaId: ctx.sagaId, stepId: step.id })
  await recordStep(deps, tx, snap, step, row, 'step.sent')
}

/** Runs a start decision: sends a command, or runs a local step inside `tx`. */
async function start(
  deps: EngineDeps,
  tx: ClientTx,
  snap: Snapshot,
  step: AnyStep,
  direction: Direction,
): Promise<void> {
  const action = direction === 'invoke' ? step.invoke : step.compensate
  if (action === undefined) return // the planner never compensates a step without one
  if (isCommand(action)) return sendCommand(deps, tx, snap, step, direction, action)
  return runLocal(deps, tx, snap, step, direction, action)
}

const isLocalStart = (d: Decision<unknown>): boolean => {
  if (d.type !== 'start') return false
  const action = d.direction === 'invoke' ? d.step.invoke : d.step.compensate
  return action !== undefined && !isCommand(action)
}

async function timeout(
  deps: EngineDeps,
  tx: ClientTx,
  snap: Snapshot,
  step: AnyStep,
  direction: Direction,
): Promise<void> {
  const row = snap.steps.get(stepKey(step.id, direction))
  if (row === undefined) return
  const error = {
    message: `No reply within ${direction === 'invoke' ? step.timeoutMs : step.compensationTimeoutMs} ms.`,
    code: 'E_SAGA_STEP_TIMEOUT',
    retryable: true,
  }
  const next = applyOutcome(
    step,
    row,
    { ok: false, error, timedOut: true },
    deps.clock.now(),
    deps.random,
  )
  await recordStep(deps, tx, snap, step, next, 'step.timeout')
}

async function transition(
  deps: EngineDeps,
  tx: ClientTx,
  snap: Snapshot,
  d: Decision<unknown>,
): Promise<void> {
  const now = deps.clock.now()
  const i = snap.instance
  const base = { sagaId: i.sagaId, sagaName: i.sagaName }
  switch (d.type) {
    case 'advance':
      snap.instance = { ...i, cursor: d.cursor }
      if (d.cursor !== null) return // entering a group is implied by its steps' entries
      return appendHistory(tx.client, i.sagaId, now, { kind: 'steps.done' })
    case 'compensate':
      snap.instance = { ...i, state: 'COMPENSATING', error: d.reason }
      tx.afterCommit(() => deps.emit({ type: 'saga:compensating', ...base, reason: d.reason }))
      return appendHistory(tx.client, i.sagaId, now, {
        kind: d.reason.code === 'E_SAGA_DEADLINE' ? 'deadline.fired' : 'compensation.started',
        detail: d.reason,
      })
    case 'finish':
      snap.instance = { ...i, state: d.state, nextWakeAt: null, lockKey: i.lockKey }
      if (i.lockKey !== null) await releaseLock(deps, tx, i.lockKey, i.sagaId)
      tx.afterCommit(() =>
        deps.emit({
          type: d.state === 'COMPLETED' ? 'saga:completed' : 'saga:compensated',
          ...base,
          durationMs: now - i.createdAt,
        }),
      )
      return appendHistory(tx.client, i.sagaId, now, {
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
      return appendHistory(tx.client, i.sagaId, now, {
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

/**
 * Applies decisions to a locked saga inside `tx` until it sleeps, or until a second local step
 * is due (so each local step gets its own commit). Returns true when more work is due now.
 */
export async function drive(deps: EngineDeps, tx: ClientTx, snap: Snapshot): Promise<boolean> {
  const def = deps.sagas.get(snap.instance.sagaName) as AnyDef | undefined
  if (def === undefined) {
    deps.logger.warn(
      'saga-kit: no definition for a stored saga; leaving it to another orchestrator',
      { sagaId: snap.instance.sagaId, sagaName: snap.instance.sagaName },
    )
    await persist(deps, tx, snap, deps.clock.now() + deps.leaseMs)
    return false
  }
  let ranLocal = false
  for (let n = 0; n < MAX_DECISIONS_PER_TX; n++) {
    const d = decide(def, snap, deps.clock.now()) as Decision<unknown>
    if (d.type === 'sleep') return persist(deps, tx, snap, d.until).then(() => false)
    // One local step per transaction: each gets its own checkpoint commit, like a DBOS step,
    // while the commands that follow it ride in the same commit.
    if (ranLocal && isLocalStart(d)) break
    ranLocal ||= isLocalStart(d)
    if (d.type === 'timeout') await timeout(deps, tx, snap, d.step, d.direction)
    else if (d.type === 'start') await start(deps, tx, snap, d.step, d.direction)
    else await transition(deps, tx, snap, d)
  }
  return persist(deps, tx, snap, deps.clock.now()).then(() => true)
}

async function persist(
  deps: EngineDeps,
  tx: ClientTx,
  snap: Snapshot,
  wakeAt: number | null,
): Promise<void> {
  const now = deps.clock.now()
  const active = snap.instance.state === 'RUNNING' || snap.instance.state === 'COMPENSATING'
  snap.instance = {
    ...snap.instance,
    nextWakeAt: active ? wakeAt : null,
    owner: active ? deps.ownerId : null,
    leaseUntil: active ? now + deps.leaseMs : null,
  }
  await deps.faultPoint('transition:before-commit', { sagaId: snap.instance.sagaId })
  await saveInstance(tx.client, snap.instance, now)
}
