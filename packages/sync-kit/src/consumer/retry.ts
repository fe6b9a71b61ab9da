import { SyncKitError, describeError, isSyncKitError } from '../errors.js'
import { ParkedFailure } from './apply.js'

/** Thrown out of a consumer's loops once `stop()` was called; the message is not committed. */
export const STOPPED = new SyncKitError('E_SYNC_CLOSED', 'the consumer is stopping')

/** Delay before retry number `attempt` (1-based): doubling from `baseMs`, capped at `maxMs`. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1))
}

/** The error a handler threw, seen through a {@link ParkedFailure} wrapper. */
export function rootCause(err: unknown): unknown {
  return err instanceof ParkedFailure ? err.cause : err
}

/**
 * SQLSTATEs of a transaction Postgres aborted because of a concurrent one: `40001`
 * (serialization failure) and `40P01` (deadlock detected). Running the transaction again is
 * the remedy Postgres documents, and the event is not at fault: two chunks whose handlers lock
 * shared rows in different orders deadlock, and one of them is chosen at random.
 */
const CONFLICT_STATES = new Set(['40001', '40P01'])

/**
 * How many conflicts of one event (or chunk) are run again before further ones count as failed
 * attempts: real deadlocks clear within a few tries, and a handler that conflicts every time (or
 * throws such a code itself) must still reach its dead letter rather than hold its partition.
 */
export const MAX_CONFLICT_RUNS = 20

/** True for an error of a transaction Postgres aborted in favour of a concurrent one. */
export function isConflict(err: unknown): boolean {
  const code = (rootCause(err) as { code?: unknown } | null)?.code
  return typeof code === 'string' && CONFLICT_STATES.has(code)
}

/**
 * True when retrying cannot help: the kit said so (`retryable: false`, e.g. a stale sequence or
 * an invalid event a handler tried to append). Unknown errors from handlers are retried.
 */
export function isPermanent(err: unknown): boolean {
  const cause = rootCause(err)
  return isSyncKitError(cause) && !cause.retryable && cause.code !== 'E_SYNC_HANDLER_FAILED'
}

/** A handler failure as a kit error that names the event and the attempts made. */
export function handlerFailure(err: unknown, attempts: number, eventId: string): SyncKitError {
  const cause = rootCause(err)
  if (isSyncKitError(cause) && cause.code !== 'E_SYNC_DATABASE') return cause
  return new SyncKitError(
    'E_SYNC_HANDLER_FAILED',
    `handler failed after ${attempts} attempt(s): ${describeError(cause)}`,
    { context: { eventId, attempt: attempts }, cause },
  )
}

/** The result of a retried step. */
export type Attempted<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: unknown; readonly attempts: number }

/** What {@link retrying} needs from its consumer. */
export interface RetryPolicy {
  readonly maxAttempts: number
  readonly backoffBaseMs: number
  readonly backoffMaxMs: number
  readonly sleep: (ms: number) => Promise<void>
  readonly stopping: () => boolean
  /**
   * Store outages are waited out without using up the event's attempts, and so are
   * transactions Postgres aborted for a concurrent one ({@link isConflict}).
   */
  readonly isUnavailable: (err: unknown) => boolean
  readonly onUnavailable: (err: unknown) => void
  /** A transaction Postgres aborted for a concurrent one is about to run again. */
  readonly onConflict: (err: unknown) => void
  readonly onRetry: (attempt: number, err: unknown) => void
}

/**
 * Runs `step` until it succeeds, fails permanently, or used `maxAttempts` attempts. Throws
 * {@link STOPPED} when the consumer stops meanwhile.
 */
export async function retrying<T>(
  policy: RetryPolicy,
  step: (attempt: number) => Promise<T>,
): Promise<Attempted<T>> {
  let attempt = 1
  let outage = 0
  let conflicts = 0
  for (;;) {
    if (policy.stopping()) throw STOPPED
    try {
      return { ok: true, value: await step(attempt) }
    } catch (err) {
      if (policy.isUnavailable(rootCause(err))) {
        policy.onUnavailable(err)
        await policy.sleep(backoffMs(++outage, policy.backoffBaseMs, policy.backoffMaxMs))
        continue
      }
      if (isConflict(err) && conflicts < MAX_CONFLICT_RUNS) {
        // Jitter, so that the two transactions that collided do not collide again in step.
        const ms = backoffMs(++conflicts, policy.backoffBaseMs, policy.backoffMaxMs)
        policy.onConflict(err)
        await policy.sleep(ms / 2 + Math.random() * (ms / 2))
        continue
      }
      if (isPermanent(err) || attempt >= policy.maxAttempts)
        return { ok: false, error: err, attempts: attempt }
      policy.onRetry(attempt, err)
      await policy.sleep(backoffMs(attempt, policy.backoffBaseMs, policy.backoffMaxMs))
      attempt++
    }
  }
}
