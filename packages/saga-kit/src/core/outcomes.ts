import type { ErrorRecord } from '../errors.js'
import { backoffDelayMs } from './backoff.js'
import type { StepRecord } from './records.js'
import type { Direction, RetryPolicy, StepDefinition } from './types.js'

/** How one attempt ended. */
export type AttemptOutcome =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly error: ErrorRecord; readonly timedOut: boolean }

function policyOf<Data>(step: StepDefinition<Data>, direction: Direction): Required<RetryPolicy> {
  return direction === 'invoke' ? step.retry : step.compensationRetry
}

/** The row of a freshly started attempt (a command attempt waits for its reply until `deadlineAt`). */
export function startedRow<Data>(
  step: StepDefinition<Data>,
  direction: Direction,
  previous: StepRecord | undefined,
  now: number,
  waitsForReply: boolean,
): StepRecord {
  const timeoutMs = direction === 'invoke' ? step.timeoutMs : step.compensationTimeoutMs
  return {
    stepId: step.id,
    direction,
    status: 'waiting',
    attempt: (previous?.attempt ?? 0) + 1,
    attemptLimit: previous?.attemptLimit ?? policyOf(step, direction).maxAttempts,
    uncertain: previous?.uncertain ?? false,
    deadlineAt: waitsForReply ? now + timeoutMs : null,
    nextAt: null,
    result: null,
    error: null,
    startedAt: previous?.startedAt ?? now,
    finishedAt: null,
  }
}

/**
 * Applies an attempt's outcome: success is final; a failure is retried with backoff while the
 * budget lasts and the error is retryable; a timeout also marks the row uncertain, because the
 * participant may have acted.
 */
export function applyOutcome<Data>(
  step: StepDefinition<Data>,
  row: StepRecord,
  outcome: AttemptOutcome,
  now: number,
  random: () => number,
): StepRecord {
  if (outcome.ok) {
    return {
      ...row,
      status: 'done',
      result: outcome.result ?? null,
      error: null,
      deadlineAt: null,
      nextAt: null,
      finishedAt: now,
    }
  }
  const uncertain = row.uncertain || outcome.timedOut
  const retry = outcome.error.retryable && row.attempt < row.attemptLimit
  if (!retry) {
    return {
      ...row,
      status: 'failed',
      uncertain,
      error: outcome.error,
      deadlineAt: null,
      nextAt: null,
      finishedAt: now,
    }
  }
  const delay = backoffDelayMs(policyOf(step, row.direction), row.attempt, random)
  return {
    ...row,
    status: 'retry_wait',
    uncertain,
    error: outcome.error,
    deadlineAt: null,
    nextAt: now + delay,
  }
}

/** Why a reply was not applied, or the updated row. */
export type ReplyEffect =
  | { readonly applied: true; readonly row: StepRecord }
  | { readonly applied: false; readonly reason: string }

/**
 * Applies a participant's reply to its row. Duplicates, replies to finished rows and failure
 * replies of superseded attempts change nothing; a late success is kept, since the effect exists;
 * so is a final refusal that {@link endsStep}.
 */
export function applyReply<Data>(
  step: StepDefinition<Data>,
  row: StepRecord | undefined,
  reply: { attempt: number; outcome: AttemptOutcome },
  now: number,
  random: () => number,
): ReplyEffect {
  if (row === undefined) return { applied: false, reason: 'no attempt of this step was sent' }
  const { outcome } = reply
  const current = row.status === 'waiting' && reply.attempt === row.attempt
  const open = row.status === 'waiting' || row.status === 'retry_wait'
  if (open && (outcome.ok || current || endsStep(row, reply))) {
    return { applied: true, row: applyOutcome(step, row, outcome, now, random) }
  }
  return {
    applied: false,
    reason: `step is ${row.status} (attempt ${row.attempt}); reply for attempt ${reply.attempt} ignored`,
  }
}

/**
 * A final refusal ("asking again will not change that") ends a step that waits for a later
 * attempt or for its retry, when it answers the row's latest attempt, or an earlier one of an
 * uncertain row (one that timed out). The participant remembers such an answer for the key and
 * replays it to every later attempt, so waiting for those would only hear it again, after a
 * timeout each. The one refusal it does not remember, an entity lock's, can let a later attempt
 * still in flight succeed; an uncertain row is compensated, which undoes that.
 */
function endsStep(row: StepRecord, reply: { attempt: number; outcome: AttemptOutcome }): boolean {
  if (reply.outcome.ok || reply.outcome.error.retryable) return false
  return reply.attempt === row.attempt || (row.uncertain && reply.attempt < row.attempt)
}
