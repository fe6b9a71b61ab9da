/** Reference model of the saga state machine, for the property test. */

export type FwdOutcome = 'ok' | 'fail' | 'reject' | 'lost-command' | 'lost-reply'
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

/** What the model predicts. */
export interface ModelResult {
  readonly state: 'COMPLETED' | 'COMPENSATED' | 'FAILED'
  /** Steps whose forward effect happened. */
  readonly forwardEffects: readonly string[]
  /** Steps whose compensation effect happened, in order. */
  readonly compensations: readonly string[]
}

interface Run {
  ok: boolean
  uncertain: boolean
  effect: boolean
}

function runForward(step: ModelStep): Run {
  let uncertain = false
  let effect = false
  for (const o of step.fwd) {
    // A lost command never reaches the participant, whatever happened before.
    if (o === 'lost-command') {
      uncertain = true
      continue
    }
    if (effect) return { ok: true, uncertain, effect } // the participant replays its stored reply
    if (o === 'ok') return { ok: true, uncertain, effect: true }
    if (o === 'reject') return { ok: false, uncertain, effect }
    if (o === 'lost-reply') [uncertain, effect] = [true, true]
  }
  return { ok: false, uncertain, effect }
}

function runCompensation(step: ModelStep, forwardApplied: boolean): Run {
  let effect = false
  let replied = false
  for (const o of step.comp) {
    if (o === 'lost-command') continue
    if (replied) return { ok: true, uncertain: false, effect }
    if (!forwardApplied) {
      if (o === 'lost-reply') replied = true
      else return { ok: true, uncertain: false, effect: false } // tombstone, no handler call
      continue
    }
    if (o === 'ok') return { ok: true, uncertain: false, effect: true }
    if (o === 'lost-reply') [replied, effect] = [true, true]
  }
  return { ok: false, uncertain: false, effect }
}

/** Predicts terminal state and effects of a saga of `steps` (no crash changes the result). */
export function model(steps: readonly ModelStep[]): ModelResult {
  const forwardEffects: string[] = []
  const toUndo: { step: ModelStep; applied: boolean }[] = []
  let pivotDone = false
  let failedAt = -1
  for (const [i, step] of steps.entries()) {
    const r = runForward(step)
    if (r.effect) forwardEffects.push(step.id)
    if (r.ok || r.uncertain) toUndo.push({ step, applied: r.effect })
    if (r.ok) {
      if (step.kind === 'pivot') pivotDone = true
      continue
    }
    if (pivotDone) return { state: 'FAILED', forwardEffects, compensations: [] }
    failedAt = i
    break
  }
  if (failedAt < 0) return { state: 'COMPLETED', forwardEffects, compensations: [] }
  const compensations: string[] = []
  for (const { step, applied } of toUndo.reverse()) {
    if (!step.hasCompensation) continue
    const r = runCompensation(step, step.mode === 'local' ? true : applied)
    if (r.effect) compensations.push(step.id)
    if (!r.ok) return { state: 'FAILED', forwardEffects, compensations }
  }
  return { state: 'COMPENSATED', forwardEffects, compensations }
}
