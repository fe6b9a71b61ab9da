import type { ErrorRecord } from '../errors.js'
import type { SagaDefinition } from './define-saga.js'
import { stepKey, type Snapshot, type StepRecord } from './records.js'
import type { Direction, StepDefinition } from './types.js'

/** The next thing the orchestrator must do for one saga instance. */
export type Decision<Data> =
  | { readonly type: 'start'; readonly step: StepDefinition<Data>; readonly direction: Direction }
  | { readonly type: 'timeout'; readonly step: StepDefinition<Data>; readonly direction: Direction }
  | { readonly type: 'advance'; readonly cursor: string | null; readonly pivot: boolean }
  | { readonly type: 'compensate'; readonly reason: ErrorRecord }
  | { readonly type: 'finish'; readonly state: 'COMPLETED' | 'COMPENSATED' }
  | {
      readonly type: 'fail'
      readonly step: string
      readonly direction: Direction
      readonly error: ErrorRecord
    }
  | { readonly type: 'sleep'; readonly until: number | null }

type RowCheck<Data> = Decision<Data> | { readonly type: 'wait'; readonly at: number } | null

/** What to do with one row: start, time out, wait until a time, or nothing (null). */
function checkRow<Data>(
  step: StepDefinition<Data>,
  direction: Direction,
  row: StepRecord | undefined,
  now: number,
): RowCheck<Data> {
  if (row === undefined) return { type: 'start', step, direction }
  switch (row.status) {
    case 'waiting':
      if (now >= (row.deadlineAt ?? 0)) return { type: 'timeout', step, direction }
      return { type: 'wait', at: row.deadlineAt ?? now }
    case 'retry_wait':
      if (now >= (row.nextAt ?? 0)) return { type: 'start', step, direction }
      return { type: 'wait', at: row.nextAt ?? now }
    case 'done':
    case 'skipped':
    case 'failed':
      return null
  }
}

/** A forward row whose effect may exist at the participant, so it must be undone. */
export function needsCompensation(row: StepRecord | undefined): boolean {
  if (row === undefined) return false
  return row.status === 'done' || row.status === 'waiting' || row.uncertain
}

function pivotPassed<Data>(def: SagaDefinition<Data>, snap: Snapshot, groupIdx: number): boolean {
  return def.groups
    .slice(0, groupIdx)
    .some((group) =>
      group.steps.some(
        (step) =>
          step.kind === 'pivot' && snap.steps.get(stepKey(step.id, 'invoke'))?.status === 'done',
      ),
    )
}

const earliest = (times: number[]): number | null =>
  times.length === 0 ? null : Math.min(...times)

function decideForward<Data>(
  def: SagaDefinition<Data>,
  snap: Snapshot,
  now: number,
): Decision<Data> {
  const { instance } = snap
  if (instance.cursor === null) return { type: 'finish', state: 'COMPLETED' }
  const idx = def.groupIndex(instance.cursor)
  if (idx < 0) {
    const message = `Step group "${instance.cursor}" is not in the current definition of "${def.name}".`
    return {
      type: 'fail',
      step: instance.cursor,
      direction: 'invoke',
      error: { message, code: 'E_SAGA_INCOMPATIBLE_DEFINITION', retryable: false },
    }
  }
  const pivoted = pivotPassed(def, snap, idx)
  if (!pivoted && instance.deadlineAt !== null && now >= instance.deadlineAt) {
    return {
      type: 'compensate',
      reason: { message: `Saga deadline passed.`, code: 'E_SAGA_DEADLINE', retryable: false },
    }
  }
  const group = def.groups[idx]!
  const waits: number[] = []
  let failed: StepRecord | undefined
  for (const step of group.steps) {
    const row = snap.steps.get(stepKey(step.id, 'invoke'))
    const check = checkRow(step, 'invoke', row, now)
    if (check?.type === 'wait') waits.push(check.at)
    else if (check !== null) return check
    if (row?.status === 'failed') failed ??= row
  }
  if (failed !== undefined) {
    const error = failed.error ?? { message: 'step failed', retryable: false }
    if (pivoted) return { type: 'fail', step: failed.stepId, direction: 'invoke', error }
    return { type: 'compensate', reason: error }
  }
  if (waits.length === 0) {
    const next = def.groups[idx + 1]?.id ?? null
    return {
      type: 'advance',
      cursor: next,
      pivot: group.steps.some((step) => step.kind === 'pivot'),
    }
  }
  if (!pivoted && instance.deadlineAt !== null) waits.push(instance.deadlineAt)
  return { type: 'sleep', until: earliest(waits) }
}

/** Steps to undo, latest first: reverse group order, reverse order inside a parallel group. */
export function compensationPlan<Data>(
  def: SagaDefinition<Data>,
  snap: Snapshot,
): StepDefinition<Data>[] {
  const cursor = snap.instance.cursor
  const last = cursor === null ? def.groups.length - 1 : def.groupIndex(cursor)
  const reached = def.groups.slice(0, Math.max(last, -1) + 1)
  return reached
    .flatMap((group) => group.steps)
    .reverse()
    .filter(
      (step) =>
        step.compensate !== undefined &&
        needsCompensation(snap.steps.get(stepKey(step.id, 'invoke'))),
    )
}

function decideBackward<Data>(
  def: SagaDefinition<Data>,
  snap: Snapshot,
  now: number,
): Decision<Data> {
  for (const step of compensationPlan(def, snap)) {
    const row = snap.steps.get(stepKey(step.id, 'compensate'))
    if (row?.status === 'failed') {
      const error = row.error ?? { message: 'compensation failed', retryable: false }
      return { type: 'fail', step: step.id, direction: 'compensate', error }
    }
    const check = checkRow(step, 'compensate', row, now)
    if (check?.type === 'wait') return { type: 'sleep', until: check.at }
    if (check !== null) return check
  }
  return { type: 'finish', state: 'COMPENSATED' }
}

/**
 * The saga state machine, as a pure function of the definition, the stored snapshot and the time.
 * The orchestrator applies one decision at a time, durably, and asks again.
 */
export function decide<Data>(
  def: SagaDefinition<Data>,
  snap: Snapshot,
  now: number,
): Decision<Data> {
  switch (snap.instance.state) {
    case 'RUNNING':
      return decideForward(def, snap, now)
    case 'COMPENSATING':
      return decideBackward(def, snap, now)
    case 'STASHED':
    case 'COMPLETED':
    case 'COMPENSATED':
    case 'FAILED':
      return { type: 'sleep', until: null }
  }
}
