import { Kafka, Partitioners, logLevel } from 'kafkajs'
import type pg from 'pg'
import {
  createLogicalRelay,
  createPollingRelay,
  encodeEnvelope,
  uuidv7,
  type EventPublisher,
} from '@faultline/sync-kit'

/** A relay under test, started against one database. */
export interface RunningRelay {
  published(): number
  stop(): Promise<void>
}

export type RelayName = 'relay A (pgoutput)' | 'relay B (polling)'

/** Starts one of the two relays; `topic()` is read per event so a run can switch topics. */
export async function startRelay(
  name: RelayName,
  slot: string,
  url: string,
  publisher: EventPublisher,
  topic: () => string,
): Promise<RunningRelay> {
  if (name === 'relay A (pgoutput)') {
    const r = createLogicalRelay({ connection: url, publisher, topic, slot, batchSize: 1000 })
    await r.start()
    return { published: () => r.stats().publishedEvents, stop: () => r.stop() }
  }
  const r = createPollingRelay({
    connection: url,
    publisher,
    topic,
    batchSize: 1000,
    pollIntervalMs: 20,
  })
  await r.start()
  return { published: () => r.stats().publishedEvents, stop: () => r.stop() }
}

/** Creates relay A's slot and publication without streaming, so a prefill is captured. */
export async function prepareRelay(
  name: RelayName,
  slot: string,
  url: string,
  publisher: EventPublisher,
) {
  if (name !== 'relay A (pgoutput)') return
  const r = createLogicalRelay({ connection: url, publisher, slot })
  await r.start()
  await r.stop()
}

/**
 * The limit: the same kafkajs producer settings as the relay (idempotent, acks=-1, one request
 * in flight), fed pre-encoded envelopes in batches of 1000 with nothing else to do.
 */
export async function rawProducer(brokers: string[], topic: string, total: number) {
  const producer = new Kafka({ brokers, logLevel: logLevel.NOTHING }).producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  })
  await producer.connect()
  const messages = Array.from({ length: total }, (_, i) => {
    const m = encodeEnvelope({
      id: uuidv7(),
      aggregateType: 'bench',
      aggregateId: `agg-${i % 10_000}`,
      type: 'bench.happened',
      version: 1,
      sequence: 1 + Math.floor(i / 10_000),
      payload: { i, note: 'a small payload of typical size for a domain event' },
      headers: {},
      occurredAt: new Date().toISOString(),
    })
    return { key: m.key, value: m.value, headers: { ...m.headers } }
  })
  const start = performance.now()
  for (let i = 0; i < total; i += 1000) {
    await producer.sendBatch({
      acks: -1,
      topicMessages: [{ topic, messages: messages.slice(i, i + 1000) }],
    })
  }
  const seconds = (performance.now() - start) / 1000
  await producer.disconnect()
  return total / seconds
}

/** Commit time (ms since epoch) of every outbox row, from track_commit_timestamp. */
export async function commitTimes(pool: pg.Pool): Promise<Map<string, number>> {
  const r = await pool.query<{ id: string; t: number }>(
    `SELECT id::text, (extract(epoch FROM pg_xact_commit_timestamp(xid::xid)) * 1000)::float8 AS t
       FROM sync_outbox`,
  )
  return new Map(r.rows.map((x) => [x.id, x.t]))
}
