import type { Clock } from '@faultline/common'

/** A clock a test moves by hand. */
export interface ManualClock extends Clock {
  /** Moves time forward by `ms`. */
  advance(ms: number): void
  /** Sets the time. */
  set(ms: number): void
}

/** Creates a {@link ManualClock} starting at `startMs` (epoch milliseconds). */
export function createManualClock(startMs = 1_700_000_000_000): ManualClock {
  let now = startMs
  return {
    now: () => now,
    advance(ms) {
      now += ms
    },
    set(ms) {
      now = ms
    },
  }
}
