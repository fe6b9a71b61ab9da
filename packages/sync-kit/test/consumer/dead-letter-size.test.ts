import { afterEach, describe, expect, test } from 'vitest'
import { createMemoryPublisher } from '../../src/adapters/memory-publisher.js'
import { createConsumer, type Consumer } from '../../src/consumer/consumer.js'
import { readDeadLetter } from '../../src/consumer/dead-letter.js'
import { createMemoryBroker } from '../../src/adapters/memory-broker.js'
import type { ConsumerEvent } from '../../src/consumer/events.js'
import {
  createMemoryConsumerStore,
  type MemoryTx,
} from '../../src/adapters/memory-consumer-store.js'
import { appendToHistory, drained, itemEvent, publishEvents } from './support.js'

const TOPIC = 'items'
const running: Consumer<MemoryTx>[] = []

afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.stop()))
})

/**
 * A 3,000-byte message that is not an event, then valid events on its partition, consumed with a
 * dead-letter publisher that takes at most `dlqLimit` bytes per message.
 */
async function consumeWithDlqLimit(dlqLimit: number) {
  const broker = createMemoryBroker()
  const store = createMemoryConsumerStore()
  const deadLetters = createMemoryPublisher({ maxMessageBytes: dlqLimit })
  await broker.publish([{ topic: TOPIC, key: 'big', value: Buffer.alloc(3_000, 'x'), headers: {} }])
  await publishEvents(broker, TOPIC, [itemEvent('a', 1), itemEvent('b', 1)])
  const events: ConsumerEvent[] = []
  const c = createConsumer<MemoryTx>({
    groupId: 'g',
    topics: [TOPIC],
    handlers: { 'item.appended': appendToHistory },
    consumer: broker.consumer(),
    db: store,
    deadLetters,
    backoffBaseMs: 0,
    sleep: () => new Promise((r) => setImmediate(r)),
    onEvent: (e) => events.push(e),
  })
  running.push(c)
  await c.start()
  await drained(c, () => broker.consumer().endOffsets([TOPIC]))
  const items = store.read((tx) => Object.fromEntries(tx.table('items')))
  return { c, items, letters: deadLetters.messages('g.dlq'), events }
}

describe('Consumer dead letters larger than the dead-letter topic takes', () => {
  test('the broker refuses the whole dead letter for good: a truncated one goes out with the coordinates, size and error, and the partition moves on', async () => {
    const { c, items, letters, events } = await consumeWithDlqLimit(1_000)
    expect(items).toEqual({ a: [1], b: [1] })
    expect(letters).toHaveLength(1)
    const letter = letters[0]!
    expect(letter.value.length).toBe(0)
    expect(readDeadLetter(letter.headers)).toMatchObject({
      code: 'E_SYNC_MALFORMED_MESSAGE',
      origin: { topic: TOPIC, partition: 0, offset: '0' },
      truncated: true,
    })
    expect(readDeadLetter(letter.headers)?.originalBytes).toBeGreaterThan(3_000)
    expect(readDeadLetter(letter.headers)?.publishError).toMatch(/over its 1000 bytes/)
    expect(c.metrics()).toMatchObject({
      deadLettered: 1,
      deadLettersTruncated: 1,
      deadLetterFailures: 1,
      applied: 2,
    })
    expect(events.find((e) => e.type === 'consumer:dead-letter-failed')).toMatchObject({
      origin: { topic: TOPIC, offset: '0' },
      retryable: false,
    })
  })

  test('refused even truncated: logged and counted as unpublished, and the partition still moves on', async () => {
    const { c, items, letters } = await consumeWithDlqLimit(100)
    expect(items).toEqual({ a: [1], b: [1] })
    expect(letters).toHaveLength(0)
    expect(c.metrics()).toMatchObject({
      deadLettered: 1,
      deadLettersUnpublished: 1,
      deadLetterFailures: 2,
    })
  })

  test('a dead letter that fits goes out whole', async () => {
    const { c, letters } = await consumeWithDlqLimit(10_000)
    expect(letters[0]?.value.length).toBe(3_000)
    expect(readDeadLetter(letters[0]!.headers)?.truncated).toBe(false)
    expect(c.metrics()).toMatchObject({ deadLettered: 1, deadLettersTruncated: 0 })
  })
})
