import type { Clock, Logger } from './ports.js'

/** The real clock. */
export const systemClock: Clock = { now: () => Date.now() }

/** A clock a test moves by hand. */
export interface ManualClock extends Clock {
  /** Moves time forward by `ms`. */
  advance(ms: number): void
  /** Sets the time. */
  set(ms: number): void
}

/** Creates a {@link ManualClock} starting at `startMs`. */
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

/** A logger that drops everything. */
export const silentLogger: Logger = {
  debug() {},
  warn() {},
  error() {},
}
