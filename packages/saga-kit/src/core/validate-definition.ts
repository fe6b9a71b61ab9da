import { SagaKitError } from '../errors.js'
import type { StepDefinition, StepGroup } from './types.js'

function invalid(sagaName: string, step: string, message: string): SagaKitError {
  return new SagaKitError(
    'E_SAGA_INVALID_DEFINITION',
    `Saga "${sagaName}", step "${step}": ${message}`,
    {
      context: { sagaName, step },
    },
  )
}

function checkStep<Data>(sagaName: string, step: StepDefinition<Data>, afterPivot: boolean): void {
  if (!/^[a-z0-9][a-z0-9._-]*$/i.test(step.id)) {
    throw invalid(sagaName, step.id, 'a step id uses only letters, digits, ".", "_" or "-".')
  }
  if (typeof step.invoke !== 'function' && typeof step.invoke !== 'object') {
    throw invalid(sagaName, step.id, 'invoke must be a function or a command(...).')
  }
  if (step.kind === 'pivot' && step.compensate !== undefined) {
    throw invalid(
      sagaName,
      step.id,
      'a pivot step cannot have a compensation: it is the point of no return.',
    )
  }
  if (step.kind === 'retriable' && step.compensate !== undefined) {
    throw invalid(
      sagaName,
      step.id,
      'a retriable step cannot have a compensation: it only moves forward.',
    )
  }
  if (afterPivot && step.kind !== 'retriable') {
    throw invalid(
      sagaName,
      step.id,
      `is "${step.kind}" but follows a pivot; every step after the pivot must be "retriable".`,
    )
  }
  if (
    !(step.timeoutMs > 0) ||
    !(step.compensationTimeoutMs > 0) ||
    !(step.retry.maxAttempts >= 1) ||
    !(step.compensationRetry.maxAttempts >= 1)
  ) {
    throw invalid(
      sagaName,
      step.id,
      'timeoutMs and compensationTimeoutMs must be > 0 and retry.maxAttempts >= 1.',
    )
  }
}

/** Throws `E_SAGA_INVALID_DEFINITION` when appending `group` would make the saga unsound. */
export function validateGroup<Data>(
  sagaName: string,
  existing: readonly StepGroup<Data>[],
  group: StepGroup<Data>,
): void {
  if (group.steps.length === 0)
    throw invalid(sagaName, '(parallel)', 'parallel([...]) needs at least one step.')
  const seen = new Set(existing.flatMap((earlier) => earlier.steps.map((step) => step.id)))
  const afterPivot = existing.some((earlier) => earlier.steps.some((step) => step.kind === 'pivot'))
  for (const step of group.steps) {
    if (seen.has(step.id))
      throw invalid(sagaName, step.id, 'duplicate step id; step ids must be unique.')
    seen.add(step.id)
    checkStep(sagaName, step, afterPivot)
    if (group.parallel && step.kind === 'pivot') {
      throw invalid(sagaName, step.id, 'a pivot step cannot run in parallel with others.')
    }
  }
}
