import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startKafka, type KafkaHandle } from '@faultline/infra'
import { encodeEnvelope, isSyncKitError, type OutgoingMessage } from '@faultline/sync-kit'
import { messageBytes } from '../src/message-size.js'
import { createKafkaPublisher } from '@faultline/sync-kit/kafka'
import { murmur2OfString } from '../src/adapters/java-partitioner.js'
import { envelope, eventPublisherContract } from '../src/testing/event-publisher-contract.js'
import { createTopic, readTopic, readTopicRaw } from './support/kafka.js'
import { kafkaErrorTableFromJar } from './support/kafka-jar.js'
import { KAFKA_ERROR_CODES } from '../src/adapters/kafka-error-table.js'

let kafka: KafkaHandle
let topics = 0
const freshTopic = async (partitions = 3) => {
  const topic = `publisher.${++topics}`
  await createTopic(kafka.brokers, topic, partitions)
  return topic
}

beforeAll(async () => {
  kafka = await startKafka()
}, 120_000)

afterAll(async () => {
  await kafka?.stop()
})

describe('KafkaPublisher (real broker)', () => {
  eventPublisherContract('kafka', {
    create: () => Promise.resolve(createKafkaPublisher({ brokers: kafka.brokers })),
    freshTopic: () => freshTopic(),
    read: async (topic, count) => {
      const got = await readTopic(kafka.brokers, topic)
      expect(got.length).toBeGreaterThanOrEqual(count)
      return got.slice(0, count)
    },
  })

  test('every key lands on the partition the Java client and Debezium pick for it', async () => {
    const topic = await freshTopic(7)
    // Hashes from the Java client's own murmur2 test, then arbitrary keys, ASCII and not.
    const javaHashes: Record<string, number> = {
      '21': -973932308,
      foobar: -790332482,
      abc: 479470107,
    }
    const keys = [
      ...Object.keys(javaHashes),
      'ordér-ü',
      '€uro',
      ...Array.from({ length: 60 }, (_, i) => `agg-${i}`),
    ]
    const publisher = createKafkaPublisher({ brokers: kafka.brokers })
    const results = await publisher.publish(
      keys.map((key) => ({ topic, ...encodeEnvelope(envelope(key, 1)) })),
    )
    await publisher.close()
    expect(results.every((r) => r.ok)).toBe(true)
    const got = await readTopic(kafka.brokers, topic)
    expect(got).toHaveLength(keys.length)
    for (const m of got) {
      const hash = javaHashes[m.key] ?? murmur2OfString(m.key)
      expect({ key: m.key, partition: m.partition }).toEqual({
        key: m.key,
        partition: (hash & 0x7fffffff) % 7,
      })
    }
    expect(new Set(got.map((m) => m.partition)).size).toBe(7)
  })
})

/** A message of exactly `bytes` bytes as the broker counts them. */
function sized(topic: string, key: string, bytes: number): OutgoingMessage {
  const base = { topic, key, value: Buffer.alloc(0), headers: { n: key } }
  const value = Buffer.alloc(bytes - messageBytes(base) - 2, 'v') // two more bytes of length varint
  const message = { ...base, value }
  expect(messageBytes(message)).toBe(bytes)
  return message
}

describe('KafkaPublisher and the size limit', () => {
  test("messageBytes() is the size the broker checks: a message of exactly the topic's max.message.bytes is taken, one byte more is refused as too large, for good", async () => {
    const topic = `publisher.limit.${++topics}`
    await createTopic(kafka.brokers, topic, 1, { 'max.message.bytes': '5000' })
    const publisher = createKafkaPublisher({ brokers: kafka.brokers })
    const [fits] = await publisher.publish([sized(topic, 'a', 5000)])
    const [over] = await publisher.publish([sized(topic, 'b', 5001)])
    await publisher.close()
    expect(fits).toEqual({ ok: true })
    expect(over?.ok).toBe(false)
    const error = over?.ok === false ? over.error : undefined
    expect(isSyncKitError(error, 'E_SYNC_MESSAGE_TOO_LARGE')).toBe(true)
    expect(error).toMatchObject({
      retryable: false,
      context: { topic, bytes: 5001, brokerError: 'MESSAGE_TOO_LARGE' },
    })
    expect(error?.message).toMatch(/max\.message\.bytes/)
  })

  test('a call too large as one batch is split: only the message too large on its own fails, later messages of its key are held back, the rest are published', async () => {
    const topic = `publisher.split.${++topics}`
    await createTopic(kafka.brokers, topic, 1, { 'max.message.bytes': '5000' })
    const publisher = createKafkaPublisher({ brokers: kafka.brokers })
    // Ten 1,000-byte messages fit one by one, not together (one partition, one batch).
    const messages = Array.from({ length: 10 }, (_, i) => sized(topic, `k${i % 4}`, 1000))
    messages.splice(3, 0, sized(topic, 'k1', 6000))
    const results = await publisher.publish(messages)
    await publisher.close()
    const codes = results.map((r) => (r.ok ? 'ok' : `${r.error.code}:${r.error.retryable}`))
    const heldBack = 'E_SYNC_PUBLISH_FAILED:true'
    expect(codes).toEqual([
      ...['ok', 'ok', 'ok', 'E_SYNC_MESSAGE_TOO_LARGE:false'],
      ...['ok', 'ok', heldBack, 'ok', 'ok', 'ok', heldBack],
    ])
    const stored = await readTopicRaw(kafka.brokers, topic)
    expect(stored.map((m) => m.key).sort()).toEqual(
      messages
        .filter((_, i) => codes[i] === 'ok')
        .map((m) => m.key)
        .sort(),
    )
  })
})

describe('the Kafka error table', () => {
  const fromJar = kafkaErrorTableFromJar()
  test.skipIf(typeof fromJar === 'string')(
    "is what the broker's own jar says: every code, and retriable exactly when its exception is a RetriableException",
    () => {
      const rows = fromJar as Map<number, { name: string; retriable: boolean }>
      expect([...KAFKA_ERROR_CODES.values()].map((e) => [e.code, e.name, e.retriable])).toEqual(
        [...rows].map(([code, e]) => [code, e.name, e.retriable]),
      )
    },
  )
})
