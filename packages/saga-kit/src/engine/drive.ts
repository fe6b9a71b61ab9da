import { SpanKind } from '@opentelemetry/api'
import type { SagaDefinition } from '../core/define-saga.js'
import { applyOutcome, startedRow } from '../core/outcomes.js'
import { decide, type Decision } from '../core/planner.js'
import { type Snapshot, stepKey } from '../core/records.js'
import { buildSagaMessage, participantChannel } from '../core/messages.js'
import { type CommandAction, type Direction, isCommand } from '../core/types.js'
import { toErrorRecord } from '../errors.js'
import { traceHeaders } from '../telemetry.js'
import { Checkpoint } from './checkpoint.js'
import type { EngineDeps } from './engine-deps.js'
import { runLocal } from './local-step.js'
import { transition } from './transition.js'
import { type AnyStep, recordStep, stepContext } from './steps.js'
import type { ClientTx } from './client-tx.js'

// Generic saga registry: each definition only ever sees its own data.
type AnyDef = SagaDefinition<any> // eslint-disable-line @typescript-eslint/no-explicit-any

const MAX_DECISIONS_PER_TX = 500

async function sendCommand(
  deps: EngineDeps,
  tx: ClientTx,
  snap: Snapshot,
  cp: Checkpoint,
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
    return recordStep(deps, tx, snap, cp, step, failed, 'step.failed')
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
    buildSagaMessage(action.command, body, traceHeaders(span)),
  )
  span.end()
  await deps.fault('command:after-send', { sagaId: ctx.sagaId, stepId: step.id })
  recordStep(deps, tx, snap, cp, step, row, 'step.sent')
}

/** Runs a start decision: sends a command, or runs a local step inside `tx`. */
async function start(
  deps: EngineDeps,
  tx: ClientTx,
  snap: Snapshot,
  cp: Checkpoint,
  decision: { step: AnyStep; direction: Direction },
  savepointSet: boolean,
): Promise<void> {
  const { step, direction } = decision
  const action = direction === 'invoke' ? step.invoke : step.compensate
  if (action === undefined) return // the planner never compensates a step without one
  if (isCommand(action)) return sendCommand(deps, tx, snap, cp, step, direction, action)
  return runLocal(deps, tx, snap, cp, step, direction, action, savepointSet)
}

/** True when `d` starts a local step (one that runs in the checkpoint transaction). */
export const isLocalStart = (decision: Decision<unknown>): boolean => {
  if (decision.type !== 'start') return false
  const action = decision.direction === 'invoke' ? decision.step.invoke : decision.step.compensate
  return action !== undefined && !isCommand(action)
}

function timeout(
  deps: EngineDeps,
  tx: ClientTx,
  snap: Snapshot,
  cp: Checkpoint,
  { step, direction }: { step: AnyStep; direction: Direction },
): void {
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
  recordStep(deps, tx, snap, cp, step, next, 'step.timeout')
}

/** What is due right after a pass: nothing, more now, or more now that begins with a local step. */
export type Due = false | 'now' | 'local'

/** Options of {@link driveOn}. */
export interface DriveOptions {
  /**
   * `SAVEPOINT saga_step` was set right before this pass and nothing was written since: a local
   * step that the pass starts before writing anything runs under it instead of setting its own.
   * @default false
   */
  readonly savepointSet?: boolean
  /** The pass's checkpoint, when the caller has already queued writes in it (a reply's step). */
  readonly checkpoint?: Checkpoint
}

/** Decisions that change only the snapshot and the checkpoint (memory), never the database. */
const inMemory = (decision: Decision<unknown>): boolean =>
  decision.type === 'advance' || decision.type === 'compensate'

/**
 * Applies decisions to a locked saga inside `tx` until it sleeps, or until a second local step
 * is due (so each local step gets its own commit). The pass's writes to the saga's own rows go
 * out in one statement at its end (see {@link Checkpoint}). Returns what is due now.
 */
export async function driveOn(
  deps: EngineDeps,
  tx: ClientTx,
  snap: Snapshot,
  options: DriveOptions = {},
): Promise<Due> {
  const cp = options.checkpoint ?? new Checkpoint(snap.instance.sagaId)
  const def = deps.sagas.get(snap.instance.sagaName) as AnyDef | undefined
  if (def === undefined) {
    deps.logger.warn(
      { sagaId: snap.instance.sagaId, sagaName: snap.instance.sagaName },
      'saga-kit: no definition for a stored saga; leaving it to another orchestrator',
    )
    await persist(deps, tx, snap, cp, deps.clock.now() + deps.leaseMs)
    return false
  }
  let ranLocal = false
  // The savepoint stays usable while the pass has written nothing to the database.
  let clean = !!options.savepointSet
  for (let index = 0; index < MAX_DECISIONS_PER_TX; index++) {
    const decision = decide(def, snap, deps.clock.now()) as Decision<unknown>
    if (decision.type === 'sleep')
      return persist(deps, tx, snap, cp, decision.until).then(() => false)
    // One local step per transaction: each gets its own checkpoint commit, like a DBOS step,
    // while the commands that follow it ride in the same commit.
    const local = isLocalStart(decision)
    if (ranLocal && local) return persist(deps, tx, snap, cp, deps.clock.now()).then(() => 'local')
    ranLocal ||= local
    if (decision.type === 'timeout') timeout(deps, tx, snap, cp, decision)
    else if (decision.type === 'start') await start(deps, tx, snap, cp, decision, clean)
    else await transition(deps, tx, snap, cp, decision)
    clean &&= inMemory(decision)
  }
  return persist(deps, tx, snap, cp, deps.clock.now()).then(() => 'now')
}

/** {@link driveOn}; returns true when more work is due now. */
export async function drive(
  deps: EngineDeps,
  tx: ClientTx,
  snap: Snapshot,
  options: DriveOptions = {},
): Promise<boolean> {
  return (await driveOn(deps, tx, snap, options)) !== false
}

async function persist(
  deps: EngineDeps,
  tx: ClientTx,
  snap: Snapshot,
  cp: Checkpoint,
  wakeAt: number | null,
): Promise<void> {
  const now = deps.clock.now()
  const active = snap.instance.state === 'RUNNING' || snap.instance.state === 'COMPENSATING'
  // A saga that was due and stays due keeps its wake time: next_wake_at is indexed, and leaving
  // it (and the state) unchanged lets the instance update between steps be a HOT update, with
  // no new index entries. Due is due: the poller only compares it with the clock.
  const was = snap.instance.nextWakeAt
  const stillDue = wakeAt !== null && wakeAt <= now && was !== null && was <= now
  snap.instance = {
    ...snap.instance,
    nextWakeAt: active ? (stillDue ? was : wakeAt) : null,
    owner: active ? deps.ownerId : null,
    leaseUntil: active ? now + deps.leaseMs : null,
  }
  await deps.fault('transition:before-commit', { sagaId: snap.instance.sagaId })
  await cp.write(tx, snap.instance, now)
}
