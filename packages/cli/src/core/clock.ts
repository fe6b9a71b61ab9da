import { performance } from 'node:perf_hooks'

/** The run's monotonic clock: integer microseconds since the run started. */
export interface RunClock {
  /** µs since the run started. */
  nowUs(): number
  /** Wall-clock time of the start, for the summary. */
  readonly startedAt: Date
}

/** A clock that starts now, on `performance.now()` (monotonic; immune to wall-clock steps). */
export function createRunClock(): RunClock {
  const origin = performance.now()
  return {
    nowUs: () => Math.round((performance.now() - origin) * 1000),
    startedAt: new Date(),
  }
}
