/** Time source; tests inject a fake one so expiry and rotation need no sleeping. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number
}

/** The real clock. */
export const systemClock: Clock = { now: () => Date.now() }
