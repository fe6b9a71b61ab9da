import pg from 'pg'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startKafka, startPostgres, type KafkaHandle, type PostgresHandle } from '@faultline/infra'
import { createLogicalRelay, migrateSyncKit, parseLsn, readSlotStatus } from '@faultline/sync-kit'
import { createKafkaPublisher } from '@faultline/sync-kit/kafka'
import { compareWithOutbox, createTopic, readTopic } from './support/kafka.js'
import { outboxRows, waitFor } from './support/pg.js'
import { startWriter } from './support/writer.js'

let pgServer: PostgresHandle
let kafka: KafkaHandle
let url: string
let pool: pg.Pool

beforeAll(async () => {
  ;[pgServer, kafka] = await Promise.all([startPostgres(), startKafka()])
  url = (await pgServer.createDatabase('relay_restarts')).url
  pool = new pg.Pool({ connectionString: url, max: 6 })
  pool.on('error', () => undefined) // idle clients die when the server restarts or stops
  await migrateSyncKit(pool)
})

afterAll(async () => {
  await pool?.end()
  await Promise.all([pgServer?.stop(), kafka?.stop()])
})

/** Events the writer commits before the fault, and again after it: the load is sized by work. */
const EVENTS_AROUND_FAULT = 250

/** Runs a relay and a writer around `fault`, then checks the topic against the outbox. */
async function underFault(slot: string, topic: string, fault: () => Promise<void>) {
  await createTopic(kafka.brokers, topic, 3)
  const publisher = createKafkaPublisher({ brokers: kafka.brokers, requestTimeoutMs: 5000 })
  const relay = createLogicalRelay({
    connection: url,
    publisher,
    slot,
    publication: `p_${slot}`,
    topic: () => topic,
    statusIntervalMs: 100,
    reconnectDelayMs: 300,
    maxRetryDelayMs: 1000,
  })
  await relay.start()
  // A new slot streams only what commits after it exists: earlier tests' rows are not ours.
  const earlier = new Set((await outboxRows(pool)).map((r) => r.id))
  const writer = startWriter(pool, 30, 10)
  // Under way before the fault: events committed, and some of them already in Kafka.
  await waitFor(
    () => writer.committed >= EVENTS_AROUND_FAULT && relay.stats().publishedEvents > 0,
    60_000,
    'the writer and the relay to get under way',
  )
  const beforeFault = writer.committed
  await fault()
  const afterFault = writer.committed
  const duringFault = afterFault - beforeFault
  // The load goes on past the fault, so the relay has events to carry after it recovers.
  await waitFor(
    () => writer.committed >= afterFault + EVENTS_AROUND_FAULT,
    60_000,
    'the writer to commit more after the fault',
  )
  await writer.stop()
  const target = parseLsn(
    (await pool.query<{ l: string }>('SELECT pg_current_wal_lsn()::text AS l')).rows[0]!.l,
  )
  await waitFor(
    async () => parseLsn((await readSlotStatus(pool, slot)).confirmedFlushLsn ?? 0n) >= target,
    90_000,
  )
  const stats = relay.stats()
  await relay.stop()
  await publisher.close()
  const outbox = (await outboxRows(pool)).filter((r) => !earlier.has(r.id))
  const read = await readTopic(kafka.brokers, topic)
  return { outbox, read, stats, writer, duringFault, result: compareWithOutbox(read, outbox) }
}

describe('LogicalRelay across server restarts (real Postgres and Kafka)', () => {
  test('Kafka restarts mid-load: no event is lost, per-aggregate order holds', async () => {
    const { outbox, read, stats, duringFault, result } = await underFault(
      's_kafka',
      'restart.kafka',
      () => kafka.restart(),
    )
    console.log(
      `[relay-restarts] kafka restart: ${outbox.length} committed (${duringFault} while Kafka ` +
        `restarted), ${read.length} in Kafka, ${stats.publishFailures} failed publish attempts`,
    )
    expect(duringFault).toBeGreaterThan(0)
    expect(result.missing).toEqual([])
    expect(result.orderViolations).toEqual([])
  })

  test('Postgres restarts mid-load: the relay resumes from its slot with no loss', async () => {
    const { outbox, read, stats, writer, result } = await underFault('s_pg', 'restart.pg', () =>
      pgServer.restart(),
    )
    console.log(
      `[relay-restarts] postgres restart: ${outbox.length} committed, ${read.length} in Kafka, ` +
        `${stats.reconnects} reconnects, writer saw ${writer.errors} failed transactions`,
    )
    expect(stats.reconnects).toBeGreaterThan(0)
    // A COMMIT cut off by the restart may have landed: the outbox, not the writer, is the truth.
    expect(outbox.length).toBeGreaterThanOrEqual(writer.committed)
    expect(result.missing).toEqual([])
    expect(result.orderViolations).toEqual([])
  })
})
