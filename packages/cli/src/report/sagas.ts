import type { MetricsSampledEvent } from '../core/events.js'
import { liveValue } from '../core/live-metrics.js'
import type { RunSummary } from '../core/summary-types.js'

/** How sagas ended, and how many compensations ran. */
export interface SagaOutcomes {
  readonly completed: number | null
  readonly compensated: number | null
  readonly failed: number | null
  readonly running: number | null
  readonly compensations: number | null
  /** `checker`: the sagas checker's counts after quiescence; `live`: the target's last sample. */
  readonly source: 'checker' | 'live'
}

/**
 * Saga outcomes: from the sagas checker's stats when it ran (the snapshot after quiescence),
 * else from the target's last live sample; undefined when neither has any.
 */
export function sagaOutcomes(
  summary: RunSummary,
  timeline: readonly MetricsSampledEvent[],
): SagaOutcomes | undefined {
  const stats = summary.checks.find((c) => c.name === 'sagas' && c.verdict !== 'unknown')?.stats
  if (stats !== undefined && (stats.sagas ?? 0) > 0) {
    return {
      completed: stats.stateCOMPLETED ?? 0,
      compensated: stats.stateCOMPENSATED ?? 0,
      failed: stats.stateFAILED ?? 0,
      running:
        (stats.stateRUNNING ?? 0) + (stats.stateCOMPENSATING ?? 0) + (stats.stateSTASHED ?? 0),
      compensations: stats.compensations ?? 0,
      source: 'checker',
    }
  }
  const live = timeline.at(-1)?.live ?? {}
  const outcomes = {
    completed: liveValue(live, 'sagasCompleted') ?? null,
    compensated: liveValue(live, 'sagasCompensated') ?? null,
    failed: liveValue(live, 'sagasFailed') ?? null,
    running: liveValue(live, 'sagasRunning') ?? null,
    compensations: liveValue(live, 'compensations') ?? null,
    source: 'live' as const,
  }
  const any = [outcomes.completed, outcomes.compensated, outcomes.failed, outcomes.running].some(
    (v) => v !== null,
  )
  return any ? outcomes : undefined
}
