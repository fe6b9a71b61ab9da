import type { HistoryRecorder } from '../history/recorder.js'
import type { MetricsRegistry } from '../metrics/registry.js'
import type { RunClock } from '../clock.js'
import type { SeededRandom } from '../random.js'
import type { Target } from '../target.js'
import type { HttpClient } from './http-client.js'

/** What every workload runner shares for one run. */
export interface LoadContext {
  readonly target: Target
  readonly recorder: HistoryRecorder
  readonly metrics: MetricsRegistry
  readonly clock: RunClock
  /** The run's root stream; each workload forks `workload:<name>`. */
  readonly random: SeededRandom
  /** Aborted when the run is interrupted. */
  readonly signal: AbortSignal
  readonly http: HttpClient
  /** µs (run clock) when the load started; arrival times count from here. */
  readonly loadStartUs: number
  /** Hands out process ids unique across the run. */
  newProcessId(): number
  warn(message: string): void
}

/** A send more than this far behind its intended time counts as late. */
export const LATE_AFTER_US = 10_000
