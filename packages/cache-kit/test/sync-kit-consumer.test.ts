import { afterEach, describe, expect, test } from 'vitest'
import { createCache, createMemoryCacheStore } from '@faultline/cache-kit'
import { applyEvent, type EventChangeResult } from '@faultline/cache-kit/sync-kit'
import {
  createConsumer,
  createMemoryBroker,
  createMemoryConsumerStore,
  encodeEnvelope,
  readDeadLetter,
  type ConsumedEvent,
  type Consumer,
  type MemoryTx,
} from '@faultline/sync-kit'
import { until } from './fixtures/latency.js'

const TOPIC = 'outbox.event.product'
const running: Consumer<MemoryTx>[] = []

afterEach(async () => {
  await Promise.all(running.splice(0).map((consumer) => consumer.stop()))
})

function event(sequence: number, commitLsn: string | undefined): ConsumedEvent {
  return {
    id: `0190f3c4-7a1b-7c2d-8e3f-${String(sequence).padStart(12, '0')}`,
    aggregateType: 'product',
    aggregateId: '42',
    type: 'catalog.product.changed',
    schemaVersion: 1,
    sequence,
    payload: {},
    headers: {},
    occurredAt: new Date(0).toISOString(),
    ...(commitLsn === undefined ? {} : { commitLsn }),
  }
}

/** sync-kit's own consumer on its in-memory broker, with a handler that is only applyEvent(). */
async function start() {
  const broker = createMemoryBroker({ partitions: 1 })
  const cache = createCache({ store: createMemoryCacheStore() })
  const results: EventChangeResult[] = []
  const consumer = createConsumer<MemoryTx>({
    groupId: 'catalog.cache',
    topics: [TOPIC],
    handlers: {
      'catalog.product.changed': async (_tx, consumed) => {
        results.push(await applyEvent(cache, consumed, { key: `product:${consumed.aggregateId}` }))
      },
    },
    consumer: broker.consumer(),
    db: createMemoryConsumerStore(),
    deadLetters: broker,
    maxAttempts: 1,
    backoffBaseMs: 0,
  })
  running.push(consumer)
  await consumer.start()
  const publish = (consumed: ConsumedEvent) =>
    broker.publish([{ topic: TOPIC, ...encodeEnvelope(consumed) }])
  const drained = async () => {
    const ends = broker.endOffsets([TOPIC])
    await until('the consumer drains', () => consumer.caughtUp(ends), 10_000)
  }
  return { broker, cache, results, publish, drained }
}

describe('applyEvent() as a sync-kit handler', () => {
  test('the consumed event, as the handler gets it, carries what applyChange needs', async () => {
    const { cache, results, publish, drained } = await start()
    // encodeEnvelope() of an event with a commitLsn sets fl-commit-lsn, as the relays do.
    await publish(event(1, '0/16B3748'))
    await publish(event(2, '0/16B3800'))
    await drained()
    expect(results.map((result) => result.changes[0]?.watermark)).toStrictEqual([
      { version: 1, lsn: '0/16B3748' },
      { version: 2, lsn: '0/16B3800' },
    ])
    await cache.close()
  })

  test('an event published without fl-commit-lsn is dead-lettered with the reason, not applied', async () => {
    const { broker, cache, results, publish, drained } = await start()
    await publish(event(1, '0/16B3748'))
    await publish(event(2, undefined))
    await drained()
    expect(results).toHaveLength(1)
    const [dead] = broker.messages('catalog.cache.dlq')
    expect(readDeadLetter(dead!.headers)?.reason).toContain('has no commitLsn')
    // The key is still at version 1: the next change is newer than it.
    const next = await cache.applyChange({ key: 'product:42', version: 2 })
    expect(next.applied).toBe(true)
    await cache.close()
  })
})
