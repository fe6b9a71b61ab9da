import { Kafka, logLevel } from 'kafkajs'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startKafka, startPostgres, type KafkaHandle, type PostgresHandle } from '@faultline/infra'
import {
  appendEvents,
  createConsumer,
  createMemoryPublisher,
  createPollingRelay,
  createPostgresConsumerStore,
  isSyncKitError,
  migrateSyncKit,
} from '@faultline/sync-kit'
import { createKafkaEventConsumer } from '@faultline/sync-kit/kafka'
import { ev, inTx } from './support/pg.js'

let server: PostgresHandle
let kafka: KafkaHandle
let bare: { url: string; pool: pg.Pool }
let migrated: pg.Pool

beforeAll(async () => {
  ;[server, kafka] = await Promise.all([startPostgres(), startKafka()])
  const { url } = await server.createDatabase('not_migrated')
  bare = { url, pool: new pg.Pool({ connectionString: url, max: 2 }) }
  migrated = new pg.Pool({
    connectionString: (await server.createDatabase('migrated')).url,
    max: 4,
  })
  for (const pool of [bare.pool, migrated]) pool.on('error', () => undefined)
  await migrateSyncKit(migrated)
})

afterAll(async () => {
  await Promise.all([bare?.pool.end(), migrated?.end()])
  await Promise.all([server?.stop(), kafka?.stop()])
})

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (err) {
    return err
  }
  throw new Error('expected a rejection')
}

function consumerOn(pool: pg.Pool, topic: string, createTopics?: { partitions: number }) {
  return createConsumer({
    groupId: `misconfigured-${topic}`,
    topics: [topic],
    handlers: {},
    consumer: createKafkaEventConsumer({
      brokers: kafka.brokers,
      ...(createTopics === undefined ? {} : { createTopics }),
    }),
    db: createPostgresConsumerStore({ pool }),
    deadLetters: createMemoryPublisher(),
  })
}

describe('a database without sync-kit tables', () => {
  test('appendEvents() fails with E_SYNC_SCHEMA_MISSING naming migrateSyncKit, not retryable', async () => {
    const err = await rejection(inTx(bare.pool, (tx) => appendEvents(tx, [ev('a', 1)])))
    expect(isSyncKitError(err, 'E_SYNC_SCHEMA_MISSING')).toBe(true)
    expect((err as Error).message).toMatch(/migrateSyncKit/)
    expect((err as { retryable: boolean }).retryable).toBe(false)
  })

  test('a consumer fails at start with E_SYNC_SCHEMA_MISSING naming the inbox tables', async () => {
    const consumer = consumerOn(bare.pool, 'never-read')
    const err = await rejection(consumer.start())
    expect(isSyncKitError(err, 'E_SYNC_SCHEMA_MISSING')).toBe(true)
    expect((err as Error).message).toMatch(/sync_inbox.*migrateSyncKit/)
    await consumer.stop()
  })

  test('the polling relay fails at start with E_SYNC_SCHEMA_MISSING', async () => {
    const relay = createPollingRelay({ connection: bare.url, publisher: createMemoryPublisher() })
    const err = await rejection(relay.start())
    expect(isSyncKitError(err, 'E_SYNC_SCHEMA_MISSING')).toBe(true)
    expect((err as Error).message).toMatch(/sync_outbox.*migrateSyncKit/)
  })
})

describe('a topic that does not exist', () => {
  test('the consumer fails at start with E_SYNC_TOPIC_MISSING naming the topic and the fix', async () => {
    const consumer = consumerOn(migrated, 'outbox.event.nowhere')
    const err = await rejection(consumer.start())
    expect(isSyncKitError(err, 'E_SYNC_TOPIC_MISSING')).toBe(true)
    expect((err as Error).message).toMatch(/"outbox\.event\.nowhere".*createTopics/)
    await consumer.stop()
  })

  test('with createTopics the consumer creates it with that many partitions and runs', async () => {
    const consumer = consumerOn(migrated, 'outbox.event.created', { partitions: 2 })
    await consumer.start()
    await consumer.stop()
    const admin = new Kafka({ brokers: kafka.brokers, logLevel: logLevel.NOTHING }).admin()
    await admin.connect()
    const offsets = await admin.fetchTopicOffsets('outbox.event.created')
    await admin.disconnect()
    expect(offsets).toHaveLength(2)
  })
})
