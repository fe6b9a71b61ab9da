import type {
  ConsumerEvent,
  PartitionLag,
  PollingRelayStats,
  RelayStats,
  SlotMetrics,
} from '@faultline/sync-kit'
import type { Registry } from 'prom-client'
import { counterFrom, gaugeFrom } from './derived-metrics.js'
import { counter } from './metric-factory.js'

/**
 * A sync-kit consumer `onEvent` listener: `consumer_events_total{consumer,outcome}` (applied,
 * duplicate, retried, ...) and `consumer_dead_letters_total{consumer}`.
 */
export function consumerMetricsListener(
  registry: Registry,
  options: { consumer: string },
): (event: ConsumerEvent) => void {
  const events = counter(registry, {
    name: 'consumer_events_total',
    help: 'Consumer outcomes per event, by consumer and outcome.',
    labelNames: ['consumer', 'outcome'],
  })
  const deadLetters = counter(registry, {
    name: 'consumer_dead_letters_total',
    help: 'Events sent to the dead-letter topic after their retries, by consumer.',
    labelNames: ['consumer'],
  })
  return (event) => {
    events.inc({ consumer: options.consumer, outcome: event.type.slice('consumer:'.length) })
    if (event.type === 'consumer:dead-lettered') deadLetters.inc({ consumer: options.consumer })
  }
}

/** `consumer_lag_messages{consumer,topic,partition}`, read at scrape time (sync-kit's partitionLag). */
export function registerConsumerLag(
  registry: Registry,
  options: { consumer: string; read: () => Promise<readonly PartitionLag[]> },
): void {
  const spec = {
    name: 'consumer_lag_messages',
    help: 'Messages on the partition the consumer group has not processed yet.',
    labelNames: ['consumer', 'topic', 'partition'],
  }
  gaugeFrom(registry, spec, async () =>
    (await options.read()).map((lag) => ({
      labels: { consumer: options.consumer, topic: lag.topic, partition: String(lag.partition) },
      value: lag.lag,
    })),
  )
}

/** What {@link registerRelayMetrics} reads. */
export interface RelayMetricsSource {
  readonly relay: string
  readonly stats: () => RelayStats | PollingRelayStats
  /** The logical relay's slot, for retained WAL. */
  readonly slot?: () => Promise<SlotMetrics>
}

/**
 * Relay metrics read at scrape time: `relay_published_events_total`,
 * `relay_publish_failures_total`, `relay_lag_seconds` (heartbeat, logical relay),
 * `relay_queued_events`, and `relay_retained_wal_bytes{slot}` with `relay_retained_wal_warning`.
 */
export function registerRelayMetrics(registry: Registry, source: RelayMetricsSource): void {
  const labels = { relay: source.relay }
  const spec = (name: string, help: string, extra: string[] = []) => ({
    name,
    help,
    labelNames: ['relay', ...extra],
  })
  const stat = (pick: (s: RelayStats & PollingRelayStats) => number | undefined) => () => {
    const value = pick(source.stats() as RelayStats & PollingRelayStats)
    return value === undefined ? [] : [{ labels, value }]
  }
  counterFrom(
    registry,
    spec('relay_published_events_total', 'Events the broker acknowledged.'),
    stat((s) => s.publishedEvents),
  )
  counterFrom(
    registry,
    spec('relay_publish_failures_total', 'Publish attempts that failed.'),
    stat((s) => s.publishFailures),
  )
  gaugeFrom(
    registry,
    spec('relay_lag_seconds', 'Commit-to-relay lag of the last heartbeat.'),
    stat((s) => (s.heartbeatLagMs === undefined ? undefined : s.heartbeatLagMs / 1000)),
  )
  gaugeFrom(
    registry,
    spec('relay_queued_events', 'Events received, not yet acknowledged.'),
    stat((s) => s.queuedEvents),
  )
  if (source.slot !== undefined) registerSlotMetrics(registry, source.relay, source.slot)
}

function registerSlotMetrics(registry: Registry, relay: string, read: () => Promise<SlotMetrics>) {
  const spec = (name: string, help: string) => ({ name, help, labelNames: ['relay', 'slot'] })
  gaugeFrom(
    registry,
    spec('relay_retained_wal_bytes', 'WAL the replication slot keeps on disk.'),
    async () => {
      const slot = await read()
      return [{ labels: { relay, slot: slot.slot }, value: Number(slot.retainedWalBytes) }]
    },
  )
  gaugeFrom(
    registry,
    spec('relay_retained_wal_warning', 'Retained WAL above the threshold (1) or not.'),
    async () => {
      const slot = await read()
      return [{ labels: { relay, slot: slot.slot }, value: slot.retainedWalWarning ? 1 : 0 }]
    },
  )
}
