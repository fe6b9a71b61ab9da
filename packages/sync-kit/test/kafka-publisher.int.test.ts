import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startKafka, type KafkaHandle } from '@faultline/infra'
import { encodeEnvelope } from '@faultline/sync-kit'
import { createKafkaPublisher } from '@faultline/sync-kit/kafka'
import { murmur2OfString } from '../src/adapters/java-partitioner.js'
import { envelope, eventPublisherContract } from './contracts/event-publisher.contract.js'
import { createTopic, readTopic } from './support/kafka.js'

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
