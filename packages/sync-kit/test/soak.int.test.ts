import pg from 'pg'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  checkFlat,
  sampleProcess,
  startKafka,
  startPostgres,
  type FlatVerdict,
  type KafkaHandle,
  type PostgresHandle,
} from '@faultline/infra'
import {
  createConsumer,
  createLogicalRelay,
  createPollingRelay,
  createPostgresConsumerStore,
  encodeEnvelope,
  migrateSyncKit,
  uuidv7,
  type EventPublisher,
  type OutgoingMessage,
} from '@faultline/sync-kit'
import { createKafkaEventConsumer, createKafkaPublisher } from '@faultline/sync-kit/kafka'
import { createTopic } from './support/kafka.js'
import { waitFor, writeLoad } from './support/pg.js'

/**
 * Sized by work: a fixed number of cycles, each a fixed number of events, whatever the machine's
 * speed. SOAK_CYCLES runs a longer soak by hand, to tell warm-up (growth that stops) from a leak
 * (growth that goes on).
 */
const CYCLES = Number(process.env.SOAK_CYCLES ?? 30)
const WARM_UP_CYCLES = 6
const TRANSACTIONS_PER_CYCLE = 20
const EVENTS_PER_TRANSACTION = 10
const EVENTS_PER_CYCLE = TRANSACTIONS_PER_CYCLE * EVENTS_PER_TRANSACTION

let server: PostgresHandle
let kafka: KafkaHandle

beforeAll(async () => {
  ;[server, kafka] = await Promise.all([startPostgres(), startKafka()])
})

afterAll(async () => {
  await Promise.all([server?.stop(), kafka?.stop()])
})

async function database(name: string) {
  const { url } = await server.createDatabase(name)
  const pool = new pg.Pool({ connectionString: url, max: 2 })
  pool.on('error', () => undefined) // the server stops under idle clients in afterAll
  await migrateSyncKit(pool)
  return { url, pool }
}

/** Connections to the pool's database, this query's own excluded. */
async function connections(pool: pg.Pool): Promise<number> {
  const r = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid()`,
  )
  return r.rows[0]!.n
}

/** A publisher that keeps nothing, so the heap shows the relay's own memory only. */
function countingPublisher(): EventPublisher & { readonly count: () => number } {
  let published = 0
  return {
    publish: (messages: readonly OutgoingMessage[]) => {
      published += messages.length
      return Promise.resolve(messages.map(() => ({ ok: true as const })))
    },
    close: () => Promise.resolve(),
    count: () => published,
  }
}

/** Samples after each of CYCLES cycles of `cycle`, then judges each series. */
async function soak(pool: pg.Pool, cycle: (round: number) => Promise<void>) {
  const heap: number[] = []
  const resources: number[] = []
  const pgConnections: number[] = []
  for (let round = 0; round < CYCLES; round++) {
    await cycle(round)
    const sample = sampleProcess()
    heap.push(sample.heapBytes)
    resources.push(sample.activeResources)
    pgConnections.push(await connections(pool))
  }
  const verdicts: FlatVerdict[] = [
    checkFlat('heap after GC (bytes)', heap, { maxRelativeGrowth: 0.1, skip: WARM_UP_CYCLES }),
    checkFlat('active resources', resources, {
      maxRelativeGrowth: 0,
      absoluteTolerance: 2,
      skip: WARM_UP_CYCLES,
    }),
    checkFlat('Postgres connections', pgConnections, {
      maxRelativeGrowth: 0,
      absoluteTolerance: 1,
      skip: WARM_UP_CYCLES,
    }),
  ]
  console.log(verdicts.map((verdict) => verdict.summary).join('\n'))
  return verdicts
}

describe(`soak: ${CYCLES} cycles of ${EVENTS_PER_CYCLE} events`, () => {
  test('relay A: heap after GC, active resources and Postgres connections stay flat', async () => {
    const { url, pool } = await database('soak_relay_a')
    const publisher = countingPublisher()
    const relay = createLogicalRelay({
      connection: url,
      publisher,
      // Many status reports, heartbeats and slot reads per cycle, so a timer that leaves
      // something behind shows.
      statusIntervalMs: 20,
      heartbeatIntervalMs: 20,
      metricsIntervalMs: 20,
    })
    await relay.start()
    let written = 0
    const verdicts = await soak(pool, async (round) => {
      written += await writeLoad(pool, TRANSACTIONS_PER_CYCLE, EVENTS_PER_TRANSACTION, 50, round)
      await waitFor(() => publisher.count() >= written, 120_000)
    })
    await relay.stop()
    await pool.end()
    expect(relay.stats().publishedEvents).toBe(written)
    for (const verdict of verdicts) expect(verdict.flat, verdict.summary).toBe(true)
  }, 600_000)

  test('relay B: heap after GC, active resources and Postgres connections stay flat', async () => {
    const { url, pool } = await database('soak_relay_b')
    const publisher = countingPublisher()
    const relay = createPollingRelay({ connection: url, publisher, pollIntervalMs: 5 })
    await relay.start()
    let written = 0
    const verdicts = await soak(pool, async (round) => {
      written += await writeLoad(pool, TRANSACTIONS_PER_CYCLE, EVENTS_PER_TRANSACTION, 50, round)
      await waitFor(() => publisher.count() >= written, 120_000)
    })
    await relay.stop()
    await pool.end()
    expect(relay.stats().publishedEvents).toBe(written)
    for (const verdict of verdicts) expect(verdict.flat, verdict.summary).toBe(true)
  }, 600_000)

  test('consumer (Kafka, Postgres inbox): heap after GC, active resources and Postgres connections stay flat', async () => {
    const { pool } = await database('soak_consumer')
    await pool.query('CREATE TABLE soak_totals (id text PRIMARY KEY, n int NOT NULL)')
    await createTopic(kafka.brokers, 'soak-consumer', 3)
    const publisher = createKafkaPublisher({ brokers: kafka.brokers })
    let applied = 0
    const consumer = createConsumer({
      groupId: 'soak',
      topics: ['soak-consumer'],
      handlers: {
        'item.counted': async (tx: pg.PoolClient, event) => {
          await tx.query(
            `INSERT INTO soak_totals (id, n) VALUES ($1, 1)
             ON CONFLICT (id) DO UPDATE SET n = soak_totals.n + 1`,
            [event.aggregateId],
          )
          applied++
        },
      },
      consumer: createKafkaEventConsumer({ brokers: kafka.brokers }),
      db: createPostgresConsumerStore({ pool }),
      deadLetters: publisher,
    })
    await consumer.start()
    const sequences = new Map<string, number>()
    let sent = 0
    const verdicts = await soak(pool, async (round) => {
      const messages = Array.from({ length: EVENTS_PER_CYCLE }, (_, index) => {
        const aggregateId = `item-${(index + round) % 50}`
        const sequence = (sequences.get(aggregateId) ?? 0) + 1
        sequences.set(aggregateId, sequence)
        return {
          topic: 'soak-consumer',
          ...encodeEnvelope({
            id: uuidv7(),
            aggregateType: 'item',
            aggregateId,
            type: 'item.counted',
            schemaVersion: 1,
            sequence,
            payload: { round },
            headers: {},
            occurredAt: new Date().toISOString(),
          }),
        }
      })
      const results = await publisher.publish(messages)
      expect(results.every((result) => result.ok)).toBe(true)
      sent += messages.length
      await waitFor(() => applied >= sent, 120_000)
    })
    await consumer.stop()
    await publisher.close()
    await pool.end()
    expect(applied).toBe(sent)
    for (const verdict of verdicts) expect(verdict.flat, verdict.summary).toBe(true)
  }, 600_000)
})
