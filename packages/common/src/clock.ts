/** Where the packages read the time, so tests can move it. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number
}

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() }
