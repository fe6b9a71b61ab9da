import { afterEach, describe, expect, test } from 'vitest'
import { createConsumer, type Consumer } from '../../src/consumer/consumer.js'
import { readDeadLetter } from '../../src/consumer/dead-letter.js'
import {
  createMemoryBroker,
  type MemoryBroker,
  type MemoryEventConsumer,
} from '../../src/adapters/memory-broker.js'
import type { ConsumerOptions } from '../../src/consumer/options.js'
import { totalLag } from '../../src/consumer/lag.js'
import { SyncKitError } from '../../src/errors.js'
import {
  createMemoryConsumerStore,
  type MemoryConsumerStore,
  type MemoryTx,
} from '../../src/adapters/memory-consumer-store.js'
import { createUpcasters } from '../../src/upcast.js'
import { appendToHistory, drained, itemEvent, publishEvents, waitUntil } from './support.js'

const TOPIC = 'items'
const running: Consumer<MemoryTx>[] = []

afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.stop()))
})

function setup(partitions = 1) {
  const broker = createMemoryBroker({ partitions })
  const store = createMemoryConsumerStore()
  return { broker, store }
}

function consumerOn(
  broker: MemoryBroker,
  store: MemoryConsumerStore,
  extra: Partial<ConsumerOptions<MemoryTx>> & { transport?: MemoryEventConsumer } = {},
) {
  const c = createConsumer<MemoryTx>({
    groupId: 'g',
    topics: [TOPIC],
    handlers: { 'item.appended': appendToHistory },
    consumer: extra.transport ?? broker.consumer(),
    db: store,
    deadLetters: broker,
    backoffBaseMs: 0,
    sleep: () => new Promise((r) => setImmediate(r)),
    ...extra,
  })
  running.push(c)
  return c
}

const histories = (store: MemoryConsumerStore) =>
  store.read((tx) => Object.fromEntries(tx.table('items')))

describe('Consumer', () => {
  test('applies each event once per id even when the topic carries it three times', async () => {
    const { broker, store } = setup()
    const events = [itemEvent('a', 1), itemEvent('a', 2), itemEvent('b', 1)]
    await publishEvents(broker, TOPIC, [...events, ...events, ...events])
    const c = consumerOn(broker, store)
    await c.start()
    await drained(c, () => c.lag().then((l) => l.map((p) => ({ ...p, offset: p.endOffset }))))
    expect(histories(store)).toEqual({ a: [1, 2], b: [1] })
    expect(c.metrics()).toMatchObject({ applied: 3, duplicates: 6, deadLettered: 0 })
  })

  test('inbox: an event redelivered after a crash between commit and offset commit applies once', async () => {
    const run = async (withInbox: boolean) => {
      const { broker, store } = setup()
      if (!withInbox) store.claim = () => Promise.resolve(true) // naive: no dedup
      await publishEvents(broker, TOPIC, [itemEvent('a', 1), itemEvent('a', 2)])
      let crashes = 0
      const transport = broker.consumer({ crashBeforeCommit: () => crashes++ === 0 })
      const gapPolicy = withInbox ? 'hold' : 'report'
      const first = consumerOn(broker, store, { transport, gapPolicy })
      await first.start()
      await drained(first, () => Promise.resolve([{ topic: TOPIC, partition: 0, offset: '1' }]))
      await first.stop()
      expect(transport.crashed).toBe('crash fault')
      const second = consumerOn(broker, store, { gapPolicy })
      await second.start()
      await drained(second, () => broker.consumer().endOffsets([TOPIC]))
      return { model: histories(store), metrics: second.metrics() }
    }
    const kit = await run(true)
    expect(kit.model).toEqual({ a: [1, 2] })
    // Both events were applied in one chunk, whose offsets the crash did not commit.
    expect(kit.metrics.duplicates).toBe(2)
    // The same crash without the inbox applies the redelivered events twice.
    expect((await run(false)).model).toEqual({ a: [1, 2, 1, 2] })
  })

  test('batches: no offset of a chunk is committed before its transaction commits', async () => {
    const { broker, store } = setup()
    await publishEvents(
      broker,
      TOPIC,
      [1, 2, 3, 4, 5].map((s) => itemEvent('a', s)),
    )
    const committedWhileApplying: string[][] = []
    const c = consumerOn(broker, store, {
      maxBatchSize: 2,
      handlers: {
        'item.appended': (tx, e, ctx) => {
          committedWhileApplying.push(broker.committedOffsets('g', [TOPIC]).map((o) => o.offset))
          return appendToHistory(tx, e, ctx)
        },
      },
    })
    await c.start()
    await drained(c, () => broker.consumer().endOffsets([TOPIC]))
    // Chunks [0, 1], [2, 3], [4]: each sees only the offsets of the chunks before it.
    expect(committedWhileApplying).toEqual([[], [], ['2'], ['2'], ['4']])
    expect(broker.committedOffsets('g', [TOPIC])).toEqual([
      { topic: TOPIC, partition: 0, offset: '5' },
    ])
    expect(histories(store)).toEqual({ a: [1, 2, 3, 4, 5] })
  })

  test('ordering: events behind a sequence gap are held back and applied once it fills', async () => {
    const run = async (gapPolicy: 'hold' | 'report') => {
      const { broker, store } = setup()
      const [e1, e2, e3] = [itemEvent('a', 1), itemEvent('a', 2), itemEvent('a', 3)]
      await publishEvents(broker, TOPIC, [e2, e3])
      const c = consumerOn(broker, store, { gapPolicy })
      await c.start()
      await drained(c, () => broker.consumer().endOffsets([TOPIC]))
      const heldWhileMissing = (await c.heldBack()).map((p) => p.event.sequence)
      const modelWhileMissing = histories(store)
      await publishEvents(broker, TOPIC, [e1])
      await drained(c, () => broker.consumer().endOffsets([TOPIC]))
      return { heldWhileMissing, modelWhileMissing, model: histories(store), m: c.metrics() }
    }
    const hold = await run('hold')
    expect(hold.heldWhileMissing).toEqual([2, 3])
    expect(hold.modelWhileMissing).toEqual({})
    expect(hold.model).toEqual({ a: [1, 2, 3] })
    expect(hold.m).toMatchObject({ gaps: 2, held: 2, applied: 3 })
    // Without hold-back the late event lands last: the read model's order is wrong.
    expect((await run('report')).model).toEqual({ a: [2, 3, 1] })
  })

  test('ordering: a stop between an apply and its drain; the redelivery releases the parked event', async () => {
    const { broker, store } = setup()
    const [e1, e2] = [itemEvent('a', 1), itemEvent('a', 2)]
    await publishEvents(broker, TOPIC, [e2, e1])
    const first: Consumer<MemoryTx> = consumerOn(broker, store, {
      onEvent: (e) => {
        // Stop right after e1's transaction committed, before its parked successor is drained.
        if (e.type === 'consumer:applied' && e.eventId === e1.id) void first.stop()
      },
    })
    await first.start()
    await waitUntil(
      async () => histories(store).a !== undefined && (await first.heldBack()).length === 1,
    )
    await first.stop()
    expect(histories(store)).toEqual({ a: [1] })
    const second = consumerOn(broker, store)
    await second.start()
    await drained(second, () => broker.consumer().endOffsets([TOPIC]))
    expect(histories(store)).toEqual({ a: [1, 2] })
    expect(await second.heldBack()).toEqual([])
  })

  test('ordering: a held-back event past gapAlarmMs is reported once as consumer:gap-stalled', async () => {
    const { broker, store } = setup()
    let now = 1_000
    const seen: string[] = []
    const c = consumerOn(broker, store, {
      gapAlarmMs: 500,
      clock: { now: () => now },
      onEvent: (e) => seen.push(e.type),
    })
    await publishEvents(broker, TOPIC, [itemEvent('a', 2)])
    await c.start()
    await drained(c, () => broker.consumer().endOffsets([TOPIC]))
    expect(await c.checkGaps()).toEqual([])
    now += 600
    expect((await c.checkGaps()).map((p) => p.event.sequence)).toEqual([2])
    await c.checkGaps()
    expect(seen.filter((t) => t === 'consumer:gap-stalled')).toHaveLength(1)
  })

  test('lag: reports end offset minus position per partition', async () => {
    const { broker, store } = setup(2)
    await publishEvents(
      broker,
      TOPIC,
      ['a', 'b', 'c', 'd'].map((id) => itemEvent(id, 1)),
    )
    const c = consumerOn(broker, store)
    expect(totalLag(await c.lag())).toBe(4)
    await c.start()
    await drained(c, () => broker.consumer().endOffsets([TOPIC]))
    const lag = await c.lag()
    expect(lag).toHaveLength(2)
    expect(totalLag(lag)).toBe(0)
  })

  test('upcasting: a v1 event reaches the handler as v2', async () => {
    const { broker, store } = setup()
    const upcasters = createUpcasters({
      'item.appended': { steps: { 1: (p) => ({ value: `v2:${String((p as { v: number }).v)}` }) } },
    })
    const v1 = itemEvent('a', 1, 0, { payload: { v: 7 } })
    const v2 = itemEvent('a', 2, 'direct', { schemaVersion: 2 })
    await publishEvents(broker, TOPIC, [v1, v2])
    const c = consumerOn(broker, store, { upcasters })
    await c.start()
    await drained(c, () => broker.consumer().endOffsets([TOPIC]))
    expect(histories(store)).toEqual({ a: ['v2:7', 'direct'] })
  })

  test('options: bad options fail at construction with a SyncKitError', () => {
    const { broker, store } = setup()
    expect(() => consumerOn(broker, store, { topics: [] })).toThrow(/topics is empty/)
    expect(() => consumerOn(broker, store, { maxAttempts: 0 })).toThrow(/maxAttempts/)
    expect(() => consumerOn(broker, store, { maxBatchSize: 0 })).toThrow(
      /maxBatchSize must be an integer from 1 to 1000/,
    )
    running.splice(0)
  })
})

describe('Consumer dead letters', () => {
  test('poison: dead-lettered after maxAttempts; events behind it on the partition are applied', async () => {
    const { broker, store } = setup()
    const poison = itemEvent('a', 2, 'poison')
    await publishEvents(broker, TOPIC, [
      itemEvent('a', 1),
      poison,
      itemEvent('a', 3),
      itemEvent('b', 1),
    ])
    let poisonCalls = 0
    const c = consumerOn(broker, store, {
      maxAttempts: 4,
      handlers: {
        'item.appended': (tx, e, ctx) => {
          if (e.id === poison.id) {
            poisonCalls++
            throw new Error(`cannot apply (attempt ${ctx.attempt})`)
          }
          return appendToHistory(tx, e, ctx)
        },
      },
    })
    await c.start()
    await drained(c, () => broker.consumer().endOffsets([TOPIC]))
    expect(poisonCalls).toBe(4)
    expect(histories(store)).toEqual({ a: [1, 3], b: [1] })
    const [dead, ...more] = broker.messages('g.dlq')
    expect(more).toHaveLength(0)
    expect((JSON.parse(dead!.value!.toString()) as { id: string }).id).toBe(poison.id)
    expect(readDeadLetter(dead!.headers)).toMatchObject({
      code: 'E_SYNC_HANDLER_FAILED',
      origin: { topic: TOPIC, partition: 0, offset: '1' },
      attempts: 4,
      groupId: 'g',
    })
    expect(readDeadLetter(dead!.headers)?.reason).toMatch(/cannot apply \(attempt 4\)/)
    expect(c.metrics()).toMatchObject({ retries: 3, deadLettered: 1, applied: 3 })
  })

  test('poison: a consumer that retries without limit blocks the partition (the hazard)', async () => {
    const { broker, store } = setup()
    const poison = itemEvent('a', 1, 'poison')
    await publishEvents(broker, TOPIC, [poison, itemEvent('b', 1)])
    let calls = 0
    const c = consumerOn(broker, store, {
      maxAttempts: Number.MAX_SAFE_INTEGER,
      handlers: {
        'item.appended': (tx, e, ctx) => {
          if (e.id === poison.id && ++calls > 0) throw new Error('always fails')
          return appendToHistory(tx, e, ctx)
        },
      },
    })
    await c.start()
    // Sized by work: ten more attempts at the poison, and b, behind it, still not applied.
    await waitUntil(() => calls > 10, 10_000, 'ten attempts at the poison event')
    expect(histories(store)).toEqual({})
  })

  test('malformed messages go to the DLQ with the reason and never stop the consumer', async () => {
    const { broker, store } = setup()
    const bad = [
      { key: 'x', value: Buffer.from('not json {'), headers: {} },
      {
        key: 'x',
        value: Buffer.from(JSON.stringify({ id: 'nope', type: 'item.appended' })),
        headers: {},
      },
      { key: 'x', value: Buffer.alloc(0), headers: {} },
    ]
    await broker.publish(bad.map((m) => ({ topic: TOPIC, ...m })))
    const unknownType = itemEvent('a', 1, 0, { type: 'item.exploded' })
    const unknownVersion = itemEvent('a', 2, 0, { schemaVersion: 9 })
    await publishEvents(broker, TOPIC, [unknownType, unknownVersion, itemEvent('a', 3)])
    const c = consumerOn(broker, store)
    await c.start()
    await drained(c, () => broker.consumer().endOffsets([TOPIC]))
    const letters = broker.messages('g.dlq').map((m) => readDeadLetter(m.headers)!)
    expect(letters.map((l) => l.code)).toEqual([
      'E_SYNC_MALFORMED_MESSAGE',
      'E_SYNC_MALFORMED_MESSAGE',
      'E_SYNC_MALFORMED_MESSAGE',
      'E_SYNC_UNKNOWN_EVENT',
      'E_SYNC_UNKNOWN_EVENT',
    ])
    expect(letters[0]!.reason).toMatch(/not JSON/)
    expect(letters[1]!.reason).toMatch(/aggregateId must be a non-empty string/)
    expect(letters[3]!.reason).toMatch(/no handler for type item.exploded/)
    expect(letters[4]!.reason).toMatch(/item.appended@9 is newer/)
    expect(letters.map((l) => l.origin.offset)).toEqual(['0', '1', '2', '3', '4'])
    expect(broker.messages('g.dlq')[0]!.value!.toString()).toBe('not json {')
    // The dead-lettered events filled their sequence slots: event 3 was not held back.
    expect(histories(store)).toEqual({ a: [3] })
  })

  test('a dead letter waits out a broker that refuses it, then the consumer carries on', async () => {
    const { broker, store } = setup()
    let refusals = 3
    const flaky = {
      publish: async (ms: Parameters<typeof broker.publish>[0]) =>
        refusals-- > 0
          ? ms.map(() => ({ ok: false as const, error: new Error('down') as never }))
          : broker.publish(ms),
      close: () => Promise.resolve(),
    }
    await broker.publish([{ topic: TOPIC, key: 'x', value: Buffer.from('{'), headers: {} }])
    await publishEvents(broker, TOPIC, [itemEvent('a', 1)])
    const c = consumerOn(broker, store, { deadLetters: flaky })
    await c.start()
    await drained(c, () => broker.consumer().endOffsets([TOPIC]))
    expect(broker.messages('g.dlq')).toHaveLength(1)
    expect(histories(store)).toEqual({ a: [1] })
  })

  test('a database outage is waited out without using attempts or dead-lettering', async () => {
    const { broker, store } = setup()
    await publishEvents(broker, TOPIC, [itemEvent('a', 1), itemEvent('a', 2)])
    let outages = 12
    const real = store.transaction.bind(store)
    store.transaction = (fn, options) =>
      outages-- > 0
        ? Promise.reject(
            new SyncKitError('E_SYNC_DATABASE', 'connection refused', { retryable: true }),
          )
        : real(fn, options)
    const c = consumerOn(broker, store, { maxAttempts: 2 })
    await c.start()
    await drained(c, () => broker.consumer().endOffsets([TOPIC]))
    expect(histories(store)).toEqual({ a: [1, 2] })
    expect(c.metrics()).toMatchObject({ deadLettered: 0, retries: 0 })
    expect(c.metrics().storeUnavailable).toBeGreaterThanOrEqual(12)
  })

  test('hold: a second event claiming an already-applied sequence is dead-lettered, not applied', async () => {
    const { broker, store } = setup()
    const impostor = itemEvent('a', 1, 'impostor')
    await publishEvents(broker, TOPIC, [itemEvent('a', 1), impostor, itemEvent('a', 2)])
    const c = consumerOn(broker, store)
    await c.start()
    await drained(c, () => broker.consumer().endOffsets([TOPIC]))
    expect(histories(store)).toEqual({ a: [1, 2] })
    const [letter] = broker.messages('g.dlq').map((m) => readDeadLetter(m.headers))
    expect(letter).toMatchObject({ code: 'E_SYNC_SEQUENCE_GAP', attempts: 1 })
    expect(letter?.reason).toMatch(/sequence 1 of item\/a was already consumed/)
  })
})
