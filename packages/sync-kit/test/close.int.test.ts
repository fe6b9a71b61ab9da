import pg from 'pg'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startKafka, startPostgres, type KafkaHandle, type PostgresHandle } from '@faultline/infra'
import {
  createConsumer,
  createLogicalRelay,
  createPollingRelay,
  createPostgresConsumerStore,
  migrateSyncKit,
} from '@faultline/sync-kit'
import { createKafkaEventConsumer, createKafkaPublisher } from '@faultline/sync-kit/kafka'
import { createTopic } from './support/kafka.js'
import { waitFor, writeLoad } from './support/pg.js'

/**
 * kafkajs leaves a group only once the fetch in flight returns, which took up to the old 5 s
 * fetch wait; a component now closes in well under that. The bound is the median of a few
 * cycles, so one slow moment on a busy machine does not fail it.
 */
const CLOSE_MEDIAN_BOUND_MS = 2_000
const CYCLES = 3

let server: PostgresHandle
let kafka: KafkaHandle
let url: string

beforeAll(async () => {
  ;[server, kafka] = await Promise.all([startPostgres(), startKafka()])
  url = (await server.createDatabase('close_fast')).url
  const pool = new pg.Pool({ connectionString: url, max: 2 })
  await migrateSyncKit(pool)
  await pool.end()
  await createTopic(kafka.brokers, 'close-fast', 3)
})

afterAll(async () => {
  await Promise.all([server?.stop(), kafka?.stop()])
})

async function timed(fn: () => Promise<void>): Promise<number> {
  const started = performance.now()
  await fn()
  return performance.now() - started
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!

/** Connections to the test database other than `client`'s own. */
async function otherConnections(): Promise<number> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  const r = await client.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid()`,
  )
  await client.end()
  return r.rows[0]!.n
}

describe('closing', () => {
  test('a Kafka-backed consumer stops fast and leaves no connection behind', async () => {
    const durations: number[] = []
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const pool = new pg.Pool({ connectionString: url, max: 2 })
      const publisher = createKafkaPublisher({ brokers: kafka.brokers })
      const consumer = createConsumer({
        groupId: 'close-fast',
        topics: ['close-fast'],
        handlers: {},
        consumer: createKafkaEventConsumer({ brokers: kafka.brokers }),
        db: createPostgresConsumerStore({ pool }),
        deadLetters: publisher,
      })
      await consumer.start()
      durations.push(await timed(() => consumer.stop()))
      await publisher.close()
      await pool.end()
    }
    expect(median(durations)).toBeLessThan(CLOSE_MEDIAN_BOUND_MS)
    await waitFor(async () => (await otherConnections()) === 0)
  }, 180_000)

  test('relay A and relay B stop fast and close their connections', async () => {
    const pool = new pg.Pool({ connectionString: url, max: 2 })
    const durations: number[] = []
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const publisher = createKafkaPublisher({ brokers: kafka.brokers })
      const common = { connection: url, publisher, topic: () => 'close-fast' }
      for (const relay of [
        createLogicalRelay({ ...common, slot: 'close_fast', publication: 'close_fast' }),
        createPollingRelay(common),
      ]) {
        await relay.start()
        const before = relay.stats().publishedEvents
        await writeLoad(pool, 2, 2, 2)
        await waitFor(() => relay.stats().publishedEvents >= before + 4)
        durations.push(await timed(() => relay.stop()))
      }
      await publisher.close()
    }
    await pool.end()
    expect(median(durations)).toBeLessThan(CLOSE_MEDIAN_BOUND_MS)
    await waitFor(async () => (await otherConnections()) === 0)
    // With every pool ended, a server restart (57P01 admin_shutdown to any client left) has
    // nobody to crash: vitest fails the run on an unhandled 'error' event.
    await server.restart()
  }, 180_000)
})
