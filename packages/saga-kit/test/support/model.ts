/** Reference model of the saga state machine, for the property test. */

/**
 * What one attempt does: succeed, fail transiently, refuse for good (`reject`), or get lost on
 * the way there (`lost-command`) or back: `lost-reply` succeeded and `lost-reject` refused, but
 * the reply of that attempt never arrives. A participant that already answered the key replays
 * its stored answer under the asking attempt, and that reply is lost too when the attempt's
 * outcome says so.
 */
export type FwdOutcome = 'ok' | 'fail' | 'reject' | 'lost-command' | 'lost-reply' | 'lost-reject'
export type CompOutcome = 'ok' | 'fail' | 'lost-command' | 'lost-reply'

/** One generated step: how it runs, and what each attempt does. */
export interface ModelStep {
  readonly id: string
  readonly mode: 'local' | 'command'
  readonly kind: 'compensatable' | 'pivot' | 'retriable'
  readonly hasCompensation: boolean
  readonly fwd: readonly FwdOutcome[]
  readonly comp: readonly CompOutcome[]
}

/** Why a forward step failed, as its error code tells: refused, timed out, or transient. */
export type Failure = 'rejected' | 'timeout' | 'failed'

/** What the model predicts. */
export interface ModelResult {
  readonly state: 'COMPLETED' | 'COMPENSATED' | 'FAILED'
  /** Why the forward step that stopped the saga failed; null when none did. */
  readonly failure: Failure | null
  /** Steps whose forward effect happened. */
  readonly forwardEffects: readonly string[]
  /** Steps whose compensation effect happened, in order. */
  readonly compensations: readonly string[]
}

interface Run {
  ok: boolean
  uncertain: boolean
  effect: boolean
  failure?: Failure
}

const replyLost = (options: FwdOutcome): boolean =>
  options === 'lost-reply' || options === 'lost-reject'

function runForward(step: ModelStep): Run {
  let uncertain = false
  let effect = false
  let refused = false
  let failure: Failure = 'failed'
  for (const options of step.fwd) {
    // A lost command never reaches the participant, whatever happened before.
    if (options === 'lost-command' || ((effect || refused) && replyLost(options))) {
      ;[uncertain, failure] = [true, 'timeout']
      continue
    }
    // The participant replays its stored answer, under this attempt's number.
    if (effect) return { ok: true, uncertain, effect }
    if (refused) return { ok: false, uncertain, effect, failure: 'rejected' }
    if (options === 'ok') return { ok: true, uncertain, effect: true }
    if (options === 'reject') return { ok: false, uncertain, effect, failure: 'rejected' }
    if (options === 'lost-reply') [uncertain, effect, failure] = [true, true, 'timeout']
    else if (options === 'lost-reject') [uncertain, refused, failure] = [true, true, 'timeout']
    else failure = 'failed'
  }
  return { ok: false, uncertain, effect, failure }
}

function runCompensation(step: ModelStep, forwardApplied: boolean): Run {
  let effect = false
  let replied = false
  for (const options of step.comp) {
    if (options === 'lost-command' || (replied && options === 'lost-reply')) continue
    if (replied) return { ok: true, uncertain: false, effect }
    if (!forwardApplied) {
      if (options === 'lost-reply') replied = true
      else return { ok: true, uncertain: false, effect: false } // tombstone, no handler call
      continue
    }
    if (options === 'ok') return { ok: true, uncertain: false, effect: true }
    if (options === 'lost-reply') [replied, effect] = [true, true]
  }
  return { ok: false, uncertain: false, effect }
}

/** Predicts terminal state and effects of a saga of `steps` (no crash changes the result). */
export function model(steps: readonly ModelStep[]): ModelResult {
  const forwardEffects: string[] = []
  const toUndo: { step: ModelStep; applied: boolean }[] = []
  let pivotDone = false
  let failedAt = -1
  let failure: Failure | null = null
  for (const [index, step] of steps.entries()) {
    const row = runForward(step)
    if (row.effect) forwardEffects.push(step.id)
    if (row.ok || row.uncertain) toUndo.push({ step, applied: row.effect })
    if (row.ok) {
      if (step.kind === 'pivot') pivotDone = true
      continue
    }
    failure = row.failure ?? 'failed'
    if (pivotDone) return { state: 'FAILED', failure, forwardEffects, compensations: [] }
    failedAt = index
    break
  }
  if (failedAt < 0) return { state: 'COMPLETED', failure: null, forwardEffects, compensations: [] }
  const compensations: string[] = []
  for (const { step, applied } of toUndo.reverse()) {
    if (!step.hasCompensation) continue
    const row = runCompensation(step, step.mode === 'local' ? true : applied)
    if (row.effect) compensations.push(step.id)
    if (!row.ok) return { state: 'FAILED', failure, forwardEffects, compensations }
  }
  return { state: 'COMPENSATED', failure, forwardEffects, compensations }
}
