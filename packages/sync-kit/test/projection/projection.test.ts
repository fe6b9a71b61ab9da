import { afterEach, describe, expect, test } from 'vitest'
import { createConsumer } from '../../src/consumer/consumer.js'
import { createMemoryBroker, type MemoryBroker } from '../../src/adapters/memory-broker.js'
import {
  createMemoryConsumerStore,
  type MemoryConsumerStore,
  type MemoryTx,
} from '../../src/adapters/memory-consumer-store.js'
import { defineProjection } from '../../src/projection/define.js'
import { createProjectionRunner, type ProjectionRunner } from '../../src/projection/runner.js'
import { isSyncKitError } from '../../src/errors.js'
import type { EventEnvelope } from '../../src/envelope.js'
import {
  drained,
  expectedRows,
  itemEvent,
  memoryHistoryProjection,
  publishEvents,
  waitUntil,
} from '../consumer/support.js'

const TOPIC = 'items'
const runners: ProjectionRunner<MemoryTx>[] = []
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stop()))
})

function runnerOn(broker: MemoryBroker, store: MemoryConsumerStore, groupId?: string) {
  const r = createProjectionRunner<MemoryTx>({
    ...(groupId === undefined ? {} : { groupId }),
    projection: memoryHistoryProjection,
    db: store,
    topics: [TOPIC],
    connect: () => broker.consumer(),
    deadLetters: broker,
    pollMs: 1,
    consumer: { sleep: () => new Promise((res) => setImmediate(res)), backoffBaseMs: 0 },
  })
  runners.push(r)
  return r
}

/** Events for `ids`, `n` each, published duplicated and with each aggregate's pairs swapped. */
function batch(ids: string[], n: number, from = 1): EventEnvelope[] {
  const out: EventEnvelope[] = []
  for (const id of ids)
    for (let s = from; s < from + n; s++) out.push(itemEvent(id, s, `${id}${s}`))
  return out
}
const messy = (events: EventEnvelope[]) => [...events].reverse().concat(events.slice(0, 5))

async function liveDrained(r: ProjectionRunner<MemoryTx>, broker: MemoryBroker) {
  await drained(r.consumer!, () => broker.consumer().endOffsets([TOPIC]))
}

describe('ProjectionRunner', () => {
  test('rebuild() gives the checksum of the live read model, and of the source', async () => {
    const broker = createMemoryBroker({ partitions: 3 })
    const store = createMemoryConsumerStore()
    const events = batch(['a', 'b', 'c', 'd'], 6)
    await publishEvents(broker, TOPIC, messy(events))
    const r = runnerOn(broker, store)
    await r.start()
    await liveDrained(r, broker)
    const live = await r.checksum(() => Promise.resolve(expectedRows(events)))
    expect(live.equal).toBe(true)
    const result = await r.rebuild()
    expect(result.rows).toBe(4)
    const rebuilt = await r.checksum()
    expect(rebuilt.readModel).toEqual(live.readModel)
    // Live consuming carries on into the swapped-in table without double-applying.
    const more = [...batch(['a'], 2, 7), ...batch(['e'], 2)]
    await publishEvents(broker, TOPIC, [...more, ...more])
    await liveDrained(r, broker)
    await r.verify(() => Promise.resolve(expectedRows([...events, ...more])))
  })

  test('rebuild() under live traffic loses nothing; a swap without pause and catch-up does', async () => {
    const broker = createMemoryBroker({ partitions: 2 })
    const store = createMemoryConsumerStore()
    const ids = ['a', 'b', 'c']
    const all = batch(ids, 5)
    await publishEvents(broker, TOPIC, all)
    const r = runnerOn(broker, store)
    await r.start()
    let next = 6
    let rebuilding = true
    const traffic = (async () => {
      while (rebuilding || next < 12) {
        const more = batch(ids, 1, next++)
        all.push(...more)
        await publishEvents(broker, TOPIC, more)
        await new Promise((res) => setTimeout(res, 1))
      }
    })()
    await r.rebuild()
    rebuilding = false
    await traffic
    await liveDrained(r, broker)
    expect((await r.checksum(() => Promise.resolve(expectedRows(all)))).equal).toBe(true)

    // Naive rebuild: replay to the end offsets seen at start, then swap, while live runs on.
    const naiveStore = createMemoryConsumerStore()
    const naive = runnerOn(broker, naiveStore, 'naive-live')
    await naive.start()
    await liveDrained(naive, broker)
    const replay = createConsumer<MemoryTx>({
      groupId: 'naive-replay',
      topics: [TOPIC],
      handlers: {
        'item.appended': (tx, e) => memoryHistoryProjection.apply(tx, e, { table: 'fresh' }),
      },
      consumer: broker.consumer(),
      db: naiveStore,
      deadLetters: broker,
    })
    const target = await broker.consumer().endOffsets([TOPIC])
    await replay.start()
    await waitUntil(() => replay.caughtUp(target))
    await replay.stop()
    const late = batch(ids, 1, next)
    all.push(...late)
    await publishEvents(broker, TOPIC, late)
    await liveDrained(naive, broker) // live applied `late` to the old table ...
    await naiveStore.transaction((tx) => naiveStore.swapTables(tx, 'item_history', 'fresh'))
    const result = await naive.checksum(() => Promise.resolve(expectedRows(all)))
    expect(result.equal).toBe(false) // ... and the swapped-in table never got them
    expect(result.onlyInSource).toHaveLength(3)
  })

  test('checksum() names rows that differ; verify() throws E_SYNC_CHECKSUM_MISMATCH', async () => {
    const broker = createMemoryBroker()
    const store = createMemoryConsumerStore()
    const events = batch(['a'], 2)
    await publishEvents(broker, TOPIC, events)
    const r = runnerOn(broker, store)
    await r.start()
    await liveDrained(r, broker)
    const wrong = () => Promise.resolve([{ id: 'a', history: ['a1'] }])
    const result = await r.checksum(wrong)
    expect(result).toMatchObject({ equal: false, onlyInSource: ['{"history":["a1"],"id":"a"}'] })
    const err: unknown = await r.verify(wrong).catch((e: unknown) => e)
    expect(isSyncKitError(err, 'E_SYNC_CHECKSUM_MISMATCH')).toBe(true)
  })

  test('defineProjection() rejects bad names and missing functions', () => {
    const base = memoryHistoryProjection
    expect(() => defineProjection({ ...base, name: 'Bad-Name' })).toThrow(/name must match/)
    expect(() => defineProjection({ ...base, handles: [] })).toThrow(/handles/)
    expect(() => defineProjection({ ...base, rows: undefined as never })).toThrow(/rows must be/)
  })
})
