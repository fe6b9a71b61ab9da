import { type Snapshot, type StepRecord, stepKey } from '../core/records.js'
import type { Direction, StepContext, StepDefinition } from '../core/types.js'
import type { EngineDeps } from './engine-deps.js'
import type { Checkpoint } from './checkpoint.js'
import type { ClientTx } from './client-tx.js'

/** A step of any saga; each definition only ever sees its own data. */
export type AnyStep = StepDefinition<unknown>

/** What a step function (or a command's payload builder) receives for this attempt. */
export function stepContext(
  snap: Snapshot,
  step: AnyStep,
  direction: Direction,
  attempt: number,
): StepContext<unknown> {
  const results: Record<string, unknown> = {}
  for (const row of snap.steps.values()) {
    if (row.direction === 'invoke' && row.status === 'done') results[row.stepId] = row.result
  }
  const { sagaId, sagaName, data } = snap.instance
  return {
    sagaId,
    sagaName,
    stepId: step.id,
    direction,
    attempt,
    idempotencyKey: `${sagaId}:${step.id}`,
    data: data as Readonly<unknown>,
    results,
  }
}

const EVENT_OF_STATUS = {
  done: 'step:completed',
  failed: 'step:failed',
  retry_wait: 'step:retrying',
} as const

/**
 * Saves a step row with its history entry (queued in `cp`, written at the pass's checkpoint)
 * and the matching event (emitted after commit).
 */
export function recordStep(
  deps: EngineDeps,
  tx: ClientTx,
  snap: Snapshot,
  cp: Checkpoint,
  step: AnyStep,
  row: StepRecord,
  kind: string,
): void {
  const now = deps.clock.now()
  snap.steps.set(stepKey(row.stepId, row.direction), row)
  cp.step(row, now, kind)
  const type = EVENT_OF_STATUS[row.status as keyof typeof EVENT_OF_STATUS] as
    (typeof EVENT_OF_STATUS)[keyof typeof EVENT_OF_STATUS] | undefined
  if (type === undefined) return
  const { sagaId, sagaName } = snap.instance
  const event = {
    type,
    sagaId,
    sagaName,
    step: step.id,
    direction: row.direction,
    attempt: row.attempt,
    latencyMs: now - row.startedAt,
  }
  tx.afterCommit(() => deps.emit(event))
  // A timeout is also its own event, so alerting on deadlines needs no history query.
  if (kind === 'step.timeout') tx.afterCommit(() => deps.emit({ ...event, type: 'step:timeout' }))
}
