/**
 * The live metrics the dashboard and the report know by name. A target reports them through
 * `liveMetrics()` (sampled each second into `metrics:sampled` and `timeline.ndjson`); any it does
 * not report is shown as `n/a`, never as 0. The names follow the reference topology's Prometheus
 * names where one exists (`cache_hit_ratio`, `consumer_lag_messages`, `relay_lag_seconds`).
 */
export const LIVE_METRICS = {
  /** Cache hits over lookups, 0 to 1. */
  cacheHitRatio: 'cache_hit_ratio',
  /** Reads seen returning an older version than one already acknowledged, since the start. */
  staleReads: 'stale_reads_total',
  /** Sagas now running (including stashed and compensating ones). */
  sagasRunning: 'saga_instances_running',
  /** Sagas that completed, since the start. */
  sagasCompleted: 'saga_instances_completed',
  /** Sagas that ended compensated, since the start. */
  sagasCompensated: 'saga_instances_compensated',
  /** Sagas that ended failed (operator-visible), since the start. */
  sagasFailed: 'saga_instances_failed',
  /** Compensating steps run, since the start. */
  compensations: 'saga_compensations_total',
  /** Messages the consumers are behind, summed over consumers and partitions. */
  consumerLag: 'consumer_lag_messages',
  /** How far the outbox relay is behind the commits, seconds. */
  relayLag: 'relay_lag_seconds',
} as const

/** A well-known live metric's key in {@link LIVE_METRICS}. */
export type LiveMetricKey = keyof typeof LIVE_METRICS

/** The value of a well-known live metric in a sample, or undefined when the target has none. */
export function liveValue(
  live: Readonly<Record<string, number>>,
  key: LiveMetricKey,
): number | undefined {
  const value = live[LIVE_METRICS[key]]
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined
}
