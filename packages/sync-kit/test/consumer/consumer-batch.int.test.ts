import pg from 'pg'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startPostgres, tapQueries, type PostgresHandle } from '@faultline/infra'
import {
  createConsumer,
  createMemoryBroker,
  createPostgresConsumerStore,
  migrateSyncKit,
  readDeadLetter,
  type ConsumerOptions,
  type EventEnvelope,
  type EventHandler,
  type JsonValue,
  type MemoryBroker,
} from '@faultline/sync-kit'
import { appendToHistoryPg, drained, itemEvent, publishEvents } from './support.js'

let server: PostgresHandle
let pool: pg.Pool

beforeAll(async () => {
  server = await startPostgres()
  pool = new pg.Pool({ connectionString: (await server.createDatabase('batch')).url, max: 8 })
  pool.on('error', () => undefined) // the server stops under idle clients in afterAll
  await migrateSyncKit(pool)
  await pool.query('CREATE TABLE items (id text PRIMARY KEY, history jsonb NOT NULL)')
})

afterAll(async () => {
  await pool?.end()
  await server?.stop()
})

async function readItems(): Promise<Record<string, JsonValue>> {
  const r = await pool.query<{ id: string; history: JsonValue }>('SELECT id, history FROM items')
  return Object.fromEntries(r.rows.map((row) => [row.id, row.history]))
}

async function reset(): Promise<void> {
  await pool.query('TRUNCATE items, sync_inbox, sync_inbox_position, sync_inbox_parked')
}

/** Counts the queries (round trips), COMMITs and ROLLBACKs the pool's connections send while `on`. */
function wireCounter(p: pg.Pool) {
  const counter = { on: false, trips: 0, commits: 0, rollbacks: 0 }
  tapQueries(p, (text) => {
    if (!counter.on) return
    counter.trips++
    counter.commits += text.match(/^COMMIT\b/gm)?.length ?? 0
    counter.rollbacks += text.match(/^ROLLBACK\b/gm)?.length ?? 0
  })
  return counter
}

const quick = { sleep: () => new Promise<void>((r) => setImmediate(r)), backoffBaseMs: 0 }

function consumerOn(
  broker: MemoryBroker,
  groupId: string,
  extra: Partial<ConsumerOptions<pg.PoolClient>> = {},
) {
  return createConsumer<pg.PoolClient>({
    groupId,
    topics: ['items'],
    handlers: { 'item.appended': appendToHistoryPg },
    consumer: broker.consumer(),
    db: createPostgresConsumerStore({ pool }),
    deadLetters: broker,
    ...quick,
    ...extra,
  })
}

/** `perAggregate` events for each of `aggregates` aggregates, interleaved, in sequence order. */
function interleaved(aggregates: number, perAggregate: number): EventEnvelope[] {
  return Array.from({ length: perAggregate }, (_, s) =>
    Array.from({ length: aggregates }, (_, a) => itemEvent(`a${a}`, s + 1)),
  ).flat()
}

describe('Consumer on Postgres, batched', () => {
  test('round trips: n + 2 per chunk of n events (BEGIN with the claim, positions with COMMIT); a redelivered chunk costs 2', async () => {
    await reset()
    const wire = wireCounter(pool)
    const broker = createMemoryBroker()
    // Sizing off: fixed chunks of maxBatchSize keep the counts exact.
    const c = consumerOn(broker, 'trips', { chunkTargetMs: Infinity })
    await c.start()
    const events = interleaved(10, 10)
    wire.on = true
    await publishEvents(broker, 'items', events) // one batch of 100: two chunks of 50
    await drained(c, () => Promise.resolve(broker.endOffsets(['items'])))
    expect({ trips: wire.trips, commits: wire.commits, rollbacks: wire.rollbacks }).toEqual({
      trips: 2 * (1 + 50 + 1),
      commits: 2,
      rollbacks: 0,
    })
    wire.trips = wire.commits = 0
    await publishEvents(broker, 'items', events) // the same 100 again: every one a duplicate
    await drained(c, () => Promise.resolve(broker.endOffsets(['items'])))
    expect({ trips: wire.trips, commits: wire.commits }).toEqual({ trips: 2 * 2, commits: 2 })
    wire.on = false
    await c.stop()
    expect(c.metrics()).toMatchObject({ applied: 100, duplicates: 100 })
    const histories = await readItems()
    expect(Object.keys(histories)).toHaveLength(10)
    expect(histories.a3).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
  })

  test('chunks shrink when events are slow to apply and grow back to maxBatchSize when cheap', async () => {
    await reset()
    const wire = wireCounter(pool)
    const broker = createMemoryBroker()
    // The consumer sizes chunks from its clock. This clock moves only by the work each event is
    // declared to cost, so the sizes depend on the work, not on how busy the machine is.
    let elapsedMs = 0
    let costMs = 10
    const c = consumerOn(broker, 'sized', {
      chunkTargetMs: 20,
      clock: { now: () => elapsedMs },
      handlers: {
        'item.appended': async (tx, event, context) => {
          elapsedMs += costMs
          await appendToHistoryPg(tx, event, context)
        },
      },
    })
    await c.start()
    wire.on = true
    await publishEvents(broker, 'items', interleaved(10, 4)) // 40 events at 10 ms each
    await drained(c, () => Promise.resolve(broker.endOffsets(['items'])))
    const slowCommits = wire.commits
    costMs = 0.1
    wire.commits = 0
    await publishEvents(broker, 'items', interleaved(10, 20).slice(40)) // 160 events at 0.1 ms
    await drained(c, () => Promise.resolve(broker.endOffsets(['items'])))
    wire.on = false
    await c.stop()
    // 20 ms per chunk at 10 ms per event: chunks of 1-2 (a fixed 50 would be one commit).
    expect(slowCommits).toBeGreaterThanOrEqual(15)
    // Cheap events: chunks grow back towards 50 (chunks of 2 would take 80 commits, of 50 four).
    expect(wire.commits).toBeLessThanOrEqual(40)
    expect(c.metrics()).toMatchObject({ applied: 200 })
    expect((await readItems()).a3).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
  })

  test('round trips: maxBatchSize 1 costs 3 per event and one commit each (5 before batching)', async () => {
    await reset()
    const wire = wireCounter(pool)
    const broker = createMemoryBroker()
    const c = consumerOn(broker, 'trips-one', { maxBatchSize: 1 })
    await c.start()
    wire.on = true
    await publishEvents(broker, 'items', interleaved(4, 5))
    await drained(c, () => Promise.resolve(broker.endOffsets(['items'])))
    wire.on = false
    await c.stop()
    expect({ trips: wire.trips, commits: wire.commits }).toEqual({ trips: 20 * 3, commits: 20 })
  })

  test('a handler that throws mid-chunk: the events around it apply once, it is retried alone and dead-lettered, its writes rolled back', async () => {
    await reset()
    const broker = createMemoryBroker()
    const [a, b, poison, d, e] = ['a', 'b', 'c', 'd', 'e'].map((id) => itemEvent(id, 1))
    const calls = new Map<string, number>()
    const handler: EventHandler<pg.PoolClient> = async (tx, event, ctx) => {
      calls.set(event.aggregateId, (calls.get(event.aggregateId) ?? 0) + 1)
      await appendToHistoryPg(tx, event, ctx) // written, then rolled back by the throw
      if (event.id === poison!.id) throw new Error(`cannot apply (attempt ${ctx.attempt})`)
    }
    const c = consumerOn(broker, 'mid-chunk', {
      handlers: { 'item.appended': handler },
      maxAttempts: 3,
    })
    await publishEvents(broker, 'items', [a!, b!, poison!, d!, e!])
    await c.start()
    await drained(c, () => Promise.resolve(broker.endOffsets(['items'])))
    await c.stop()
    expect(await readItems()).toEqual({ a: [1], b: [1], d: [1], e: [1] })
    // a and b ran in the pass that hit the throw (rolled back) and in the prefix that committed.
    expect(Object.fromEntries(calls)).toEqual({ a: 2, b: 2, c: 3, d: 1, e: 1 })
    expect(c.metrics()).toMatchObject({ applied: 4, retries: 2, deadLettered: 1, duplicates: 0 })
    const letters = broker.messages('mid-chunk.dlq').map((m) => readDeadLetter(m.headers))
    expect(letters).toMatchObject([
      { code: 'E_SYNC_HANDLER_FAILED', attempts: 3, origin: { topic: 'items', offset: '2' } },
    ])
    expect(letters[0]?.reason).toMatch(/cannot apply \(attempt 3\)/)
    const inbox = await pool.query(
      `SELECT count(*)::int AS n FROM sync_inbox WHERE namespace = $1`,
      ['mid-chunk'],
    )
    expect(inbox.rows).toEqual([{ n: 5 }]) // the dead letter fills its slot too
  })

  test('a handler that fails once mid-chunk is applied once on its retry; later events of its aggregate wait for it', async () => {
    await reset()
    const broker = createMemoryBroker()
    const flaky = itemEvent('b', 1)
    const events = [itemEvent('a', 1), flaky, itemEvent('a', 2), itemEvent('b', 2)]
    let failed = false
    const c = consumerOn(broker, 'flaky', {
      handlers: {
        'item.appended': async (tx, event, ctx) => {
          await appendToHistoryPg(tx, event, ctx)
          if (event.id === flaky.id && !failed) {
            failed = true
            throw new Error('deadlock detected, say')
          }
        },
      },
    })
    await publishEvents(broker, 'items', events)
    await c.start()
    await drained(c, () => Promise.resolve(broker.endOffsets(['items'])))
    await c.stop()
    expect(await readItems()).toEqual({ a: [1, 2], b: [1, 2] })
    expect(c.metrics()).toMatchObject({ applied: 4, retries: 1, deadLettered: 0, gaps: 0 })
  })

  test('options: maxBatchSize must be an integer from 1 to 1000, chunkTargetMs a number > 0', () => {
    const broker = createMemoryBroker()
    for (const bad of [0, -1, 1.5, 1001, Number.NaN]) {
      expect(() => consumerOn(broker, 'opts', { maxBatchSize: bad })).toThrow(
        /createConsumer\(\): maxBatchSize must be an integer from 1 to 1000/,
      )
    }
    expect(() => consumerOn(broker, 'opts', { maxBatchSize: 1000 })).not.toThrow()
    for (const bad of [0, -5, Number.NaN]) {
      expect(() => consumerOn(broker, 'opts', { chunkTargetMs: bad })).toThrow(
        /createConsumer\(\): chunkTargetMs must be a number > 0/,
      )
    }
  })
})
