import type { RetryPolicy } from './types.js'

/** Retry defaults for forward steps: one attempt, so failures compensate at once. */
export const DEFAULT_RETRY: Required<RetryPolicy> = {
  maxAttempts: 1,
  initialDelayMs: 100,
  maxDelayMs: 10_000,
  factor: 2,
  jitter: 0.5,
}

/** Retry defaults for compensations: they must succeed, so they are retried before giving up. */
export const DEFAULT_COMPENSATION_RETRY: Required<RetryPolicy> = {
  ...DEFAULT_RETRY,
  maxAttempts: 5,
}

/**
 * Delay before attempt `attempt + 1`: exponential growth, capped, with a jittered share so that
 * many sagas failing together do not retry together. `random` is injectable for tests.
 */
export function backoffDelayMs(
  policy: Required<RetryPolicy>,
  attempt: number,
  random: () => number = Math.random,
): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** (attempt - 1))
  const jittered = base * (1 - policy.jitter) + base * policy.jitter * random()
  return Math.max(0, Math.round(jittered))
}
