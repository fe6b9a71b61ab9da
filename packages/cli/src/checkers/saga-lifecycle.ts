import type { Findings } from './findings.js'
import type { SagaSnapshot, SagaState, SagaStepSnapshot } from './snapshot.js'

const TERMINAL: ReadonlySet<SagaState> = new Set(['COMPLETED', 'COMPENSATED', 'FAILED'])

/** What G1 needs besides the saga. */
export interface LifecycleRules {
  /** Snapshot time, epoch ms. */
  readonly takenAt: number | undefined
  readonly deadlineGraceMs: number
  readonly allowFailed: boolean
}

/**
 * G1: the saga ended (COMPLETED, COMPENSATED, or FAILED when allowed); a saga still running is a
 * violation once its deadline is `deadlineGraceMs` behind the snapshot, and undecided before.
 */
export function checkEnded(saga: SagaSnapshot, rules: LifecycleRules, findings: Findings): void {
  findings.count(`state${saga.state}`)
  if (saga.state === 'FAILED' && !rules.allowFailed) {
    findings.violation('failed', {
      message: `saga ${saga.id} ended FAILED`,
      key: saga.id,
      detail: { state: saga.state },
    })
  }
  if (TERMINAL.has(saga.state)) return
  if (saga.deadlineAt === null || rules.takenAt === undefined)
    return findings.count('runningUndecidable')
  const overdueMs = rules.takenAt - saga.deadlineAt
  if (overdueMs <= rules.deadlineGraceMs) return findings.count('runningWithinDeadline')
  findings.violation('stuck', {
    message: `saga ${saga.id} is ${saga.state} ${overdueMs} ms past its deadline`,
    key: saga.id,
    detail: { state: saga.state, deadlineAt: saga.deadlineAt, takenAt: rules.takenAt, overdueMs },
  })
}

function occurrences(ids: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>()
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1)
  return counts
}

/**
 * G2: no step completed twice in one direction; compensations ran once per completed (or
 * maybe-done) compensatable step of a COMPENSATED saga, never in a COMPLETED one, never for a
 * step without a compensation, and in reverse order of the forward completions (members of one
 * parallel group may be undone in any order among themselves).
 */
export function checkCompensations(saga: SagaSnapshot, findings: Findings): void {
  const forward = saga.completions.filter((c) => c.direction === 'invoke').map((c) => c.stepId)
  const backward = saga.completions.filter((c) => c.direction === 'compensate').map((c) => c.stepId)
  const done = occurrences(forward)
  const undone = occurrences(backward)
  findings.count('compensations', backward.length)
  const steps = new Map(saga.steps.map((s) => [s.stepId, s]))
  for (const [stepId, n] of done) if (n > 1) twice(findings, saga, stepId, n, 'completed')
  for (const [stepId, n] of undone) {
    if (n > 1) twice(findings, saga, stepId, n, 'compensated')
    if (steps.get(stepId)?.compensatable === false) {
      findings.violation('compensatedWithoutCompensation', {
        message: `saga ${saga.id} compensated step ${stepId}, which has no compensation`,
        key: saga.id,
        detail: { stepId },
      })
    }
  }
  if (saga.state === 'COMPLETED' && backward.length > 0) {
    findings.violation('compensatedCompletedSaga', {
      message: `saga ${saga.id} is COMPLETED but compensated ${backward.join(', ')}`,
      key: saga.id,
      detail: { compensated: backward },
    })
  }
  if (saga.state === 'COMPENSATED')
    for (const step of saga.steps) requireUndone(saga, step, undone, findings)
  checkReverseOrder(saga, forward, backward, steps, findings)
}

function twice(
  findings: Findings,
  saga: SagaSnapshot,
  stepId: string,
  n: number,
  what: string,
): void {
  findings.violation(`${what}Twice`, {
    message: `saga ${saga.id} ${what} step ${stepId} ${n} times`,
    key: saga.id,
    detail: { stepId, times: n },
  })
}

function requireUndone(
  saga: SagaSnapshot,
  step: SagaStepSnapshot,
  undone: Map<string, number>,
  findings: Findings,
): void {
  const mayHaveActed = step.invoke === 'done' || step.uncertain === true
  if (!step.compensatable || !mayHaveActed) return
  if (
    (undone.get(step.stepId) ?? 0) > 0 ||
    step.compensate === 'done' ||
    step.compensate === 'skipped'
  )
    return
  findings.violation('notCompensated', {
    message: `saga ${saga.id} is COMPENSATED but step ${step.stepId} (${step.invoke === 'done' ? 'done' : 'maybe done'}) was never compensated`,
    key: saga.id,
    detail: {
      stepId: step.stepId,
      invoke: step.invoke,
      uncertain: step.uncertain ?? false,
      compensate: step.compensate,
    },
  })
}

function checkReverseOrder(
  saga: SagaSnapshot,
  forward: readonly string[],
  backward: readonly string[],
  steps: ReadonlyMap<string, SagaStepSnapshot>,
  findings: Findings,
): void {
  const groupOf = (stepId: string) => steps.get(stepId)?.group ?? stepId
  const rank = new Map<string, number>()
  for (const stepId of forward) if (!rank.has(groupOf(stepId))) rank.set(groupOf(stepId), rank.size)
  let previous: { stepId: string; rank: number } | undefined
  for (const stepId of new Set(backward)) {
    const r = rank.get(groupOf(stepId))
    if (r === undefined) continue // never completed forward (maybe done): only "once" applies
    if (previous !== undefined && r > previous.rank) {
      findings.violation('compensationOrder', {
        message: `saga ${saga.id} compensated ${previous.stepId} before ${stepId}, but ${stepId} completed after ${previous.stepId}`,
        key: saga.id,
        detail: { forward, compensations: backward },
      })
      return
    }
    previous = { stepId, rank: r }
  }
}
