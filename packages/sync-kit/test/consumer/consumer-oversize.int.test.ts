import { Kafka, logLevel, ConfigResourceTypes } from 'kafkajs'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startKafka, startPostgres, type KafkaHandle, type PostgresHandle } from '@faultline/infra'
import {
  createConsumer,
  createPostgresConsumerStore,
  encodeEnvelope,
  migrateSyncKit,
  readDeadLetter,
  type Consumer,
  type EventPublisher,
  type Logger,
  type WireMessage,
} from '@faultline/sync-kit'
import {
  createKafkaEventConsumer,
  createKafkaPublisher,
  type KafkaPublisher,
} from '@faultline/sync-kit/kafka'
import type { PoolClient } from 'pg'
import { murmur2OfString } from '../../src/adapters/java-partitioner.js'
import { createTopic, readTopicRaw } from '../support/kafka.js'
import { appendToHistoryPg, itemEvent, waitUntil } from './support.js'

const PARTITIONS = 6
const SESSION_TIMEOUT_MS = 6_000
/** Bigger than Kafka's default message.max.bytes (1,048,588), smaller than the source topic's. */
const BIG_BYTES = 2_000_000

let pgServer: PostgresHandle
let kafka: KafkaHandle
let pool: pg.Pool
let publisher: KafkaPublisher
let runs = 0

beforeAll(async () => {
  ;[pgServer, kafka] = await Promise.all([startPostgres(), startKafka()])
  pool = new pg.Pool({ connectionString: (await pgServer.createDatabase('oversize')).url, max: 12 })
  pool.on('error', () => undefined) // the server stops under idle clients in afterAll
  await migrateSyncKit(pool)
  await pool.query('CREATE TABLE items (id text PRIMARY KEY, history jsonb NOT NULL)')
  publisher = createKafkaPublisher({ brokers: kafka.brokers })
}, 180_000)

afterAll(async () => {
  await publisher?.close()
  await pool?.end()
  await Promise.all([pgServer?.stop(), kafka?.stop()])
})

const partitionOf = (key: string) => (murmur2OfString(key) & 0x7fffffff) % PARTITIONS

const transport = () =>
  createKafkaEventConsumer({
    brokers: kafka.brokers,
    sessionTimeoutMs: SESSION_TIMEOUT_MS,
    heartbeatIntervalMs: 500,
    maxWaitTimeMs: 500,
  })

/** The dead-letter publisher, counting the publishes the broker refused. */
function countingDeadLetters(inner: EventPublisher) {
  let failures = 0
  const wrapped: EventPublisher = {
    publish: async (messages) => {
      const results = await inner.publish(messages)
      failures += results.filter((r) => !r.ok).length
      return results
    },
    ...(inner.ensureTopic ? { ensureTopic: (r) => inner.ensureTopic!(r) } : {}),
    close: () => Promise.resolve(),
  }
  return { publisher: wrapped, failures: () => failures }
}

function recordingLogger(lines: string[]): Logger {
  const push = (fields: Record<string, unknown> | string, message?: string) =>
    void lines.push(typeof fields === 'string' ? fields : (message ?? ''))
  return { debug: () => undefined, info: push, warn: push, error: push }
}

/** 38 valid events, at least one on every partition, keyed `<prefix>-<i>`. */
function validEvents(prefix: string) {
  const events = Array.from({ length: 38 }, (_, i) => itemEvent(`${prefix}-${i}`, 1))
  expect(new Set(events.map((e) => partitionOf(e.aggregateId))).size).toBe(PARTITIONS)
  return events
}

async function produce(topic: string, messages: readonly WireMessage[]) {
  const results = await publisher.publish(messages.map((m) => ({ ...m, topic })))
  expect(results.every((r) => r.ok)).toBe(true)
}

async function topicLimit(topic: string): Promise<number> {
  const admin = new Kafka({ brokers: kafka.brokers, logLevel: logLevel.NOTHING }).admin()
  await admin.connect()
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [
      { type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['max.message.bytes'] },
    ],
  })
  await admin.disconnect()
  return Number(resources[0]?.configEntries[0]?.configValue)
}

/**
 * A source topic of 6 partitions that takes 3 MiB messages, with a 2 MB message that is not an
 * event (so it is dead-lettered at once) ahead of 38 valid events spread over every partition.
 * Runs the consumer until all 38 are applied or the dead-letter publisher was refused 20 times.
 */
async function runWithABigMessage(name: string, logs: string[] = []) {
  const topic = `${name}-in`
  await createTopic(kafka.brokers, topic, PARTITIONS, { 'max.message.bytes': '3145728' })
  const big = { key: 'big', value: Buffer.alloc(BIG_BYTES, 'x'), headers: {} }
  await produce(topic, [big])
  await produce(topic, validEvents(name).map(encodeEnvelope))
  const deadLetters = countingDeadLetters(publisher)
  const consumer = createConsumer<PoolClient>({
    groupId: `${name}-view`,
    topics: [topic],
    handlers: { 'item.appended': appendToHistoryPg },
    consumer: transport(),
    db: createPostgresConsumerStore({ pool }),
    deadLetters: deadLetters.publisher,
    backoffBaseMs: 10,
    backoffMaxMs: 100,
    logger: recordingLogger(logs),
  })
  await consumer.start()
  await waitUntil(() => consumer.metrics().applied === 38 || deadLetters.failures() >= 20, 120_000)
  await consumer.stop()
  return { consumer, dlq: `${name}-view.dlq`, origin: topic, refused: deadLetters.failures() }
}

describe('Consumer and oversized messages (Kafka with its default size limits)', () => {
  test('a 2 MB message: the dead-letter topic is created large enough, it is dead-lettered whole, and all 38 valid events are applied', async () => {
    const { consumer, dlq } = await runWithABigMessage(`big-${++runs}`)
    expect(consumer.metrics().applied).toBe(38)
    expect(await topicLimit(dlq)).toBeGreaterThanOrEqual(3145728)
    const [letter, ...more] = await readTopicRaw(kafka.brokers, dlq)
    expect(more).toHaveLength(0)
    expect(letter!.value.length).toBe(BIG_BYTES)
    expect(readDeadLetter(letter!.headers)).toMatchObject({
      code: 'E_SYNC_MALFORMED_MESSAGE',
      truncated: false,
    })
  })

  test('a 2 MB message whose dead-letter topic keeps the 1 MiB default: a truncated dead letter with its coordinates, size and error; all 38 valid events applied', async () => {
    const name = `small-dlq-${++runs}`
    await createTopic(kafka.brokers, `${name}-view.dlq`, 1)
    const logs: string[] = []
    const { consumer, dlq, origin } = await runWithABigMessage(name, logs)
    expect(consumer.metrics().applied).toBe(38)
    expect(consumer.metrics().deadLettersTruncated).toBe(1)
    expect(logs.join('\n')).toMatch(new RegExp(`${dlq}.*max\\.message\\.bytes`))
    const [letter, ...more] = await readTopicRaw(kafka.brokers, dlq)
    expect(more).toHaveLength(0)
    expect(letter!.value.length).toBe(0)
    const info = readDeadLetter(letter!.headers)!
    expect(info).toMatchObject({
      code: 'E_SYNC_MALFORMED_MESSAGE',
      truncated: true,
      origin: { topic: origin, partition: partitionOf('big') },
    })
    expect(info.originalBytes).toBeGreaterThan(BIG_BYTES)
    expect(info.publishError).toMatch(/MESSAGE_TOO_LARGE/)
  })

  test('one partition stuck past the session timeout: events on the other partitions keep being applied and the member stays in its group', async () => {
    const name = `stuck-${++runs}`
    const topic = `${name}-in`
    await createTopic(kafka.brokers, topic, PARTITIONS)
    let release = () => undefined as void
    const gate = new Promise<void>((r) => (release = r))
    let blockedAt = 0
    const consumer: Consumer<PoolClient> = createConsumer<PoolClient>({
      groupId: `${name}-view`,
      topics: [topic],
      handlers: {
        'item.appended': async (tx, e, ctx) => {
          if (e.aggregateId === 'stuck') {
            blockedAt ||= Date.now()
            await gate
          }
          await appendToHistoryPg(tx, e, ctx)
        },
      },
      consumer: transport(),
      db: createPostgresConsumerStore({ pool }),
      deadLetters: publisher,
    })
    await produce(topic, [encodeEnvelope(itemEvent('stuck', 1))])
    await consumer.start()
    await waitUntil(() => blockedAt > 0, 60_000)
    const group = await groupMembers(`${name}-view`)
    // Events produced while the partition is stuck, none on its partition.
    const others = Array.from({ length: 60 }, (_, i) => itemEvent(`${name}-${i}`, 1))
      .filter((e) => partitionOf(e.aggregateId) !== partitionOf('stuck'))
      .slice(0, 30)
    await produce(topic, others.map(encodeEnvelope))
    const applied = () => consumer.metrics().applied
    const blockedFor = () => Date.now() - blockedAt
    await waitUntil(
      () => blockedFor() > 3 * SESSION_TIMEOUT_MS && (applied() === 30 || blockedFor() > 40_000),
      120_000,
    )
    const during = { applied: applied(), group: await groupMembers(`${name}-view`) }
    release()
    await waitUntil(() => consumer.metrics().applied === 31 || blockedFor() > 90_000, 180_000)
    await consumer.stop()
    expect({ during, after: consumer.metrics().applied }).toEqual({
      during: { applied: 30, group },
      after: 31,
    })
    expect(group.state).toBe('Stable')
    expect(consumer.metrics().duplicates).toBe(0)
  })
})

async function groupMembers(groupId: string) {
  const admin = new Kafka({ brokers: kafka.brokers, logLevel: logLevel.NOTHING }).admin()
  await admin.connect()
  const { groups } = await admin.describeGroups([groupId])
  await admin.disconnect()
  const g = groups[0]!
  return { state: g.state, members: g.members.map((m) => m.memberId) }
}
