import fc from 'fast-check'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startPostgres, type PostgresHandle } from '@faultline/infra'
import {
  createConsumer,
  createMemoryBroker,
  createPostgresConsumerStore,
  createProjectionRunner,
  migrateSyncKit,
  readDeadLetter,
  type JsonValue,
  type PostgresConsumerStore,
} from '@faultline/sync-kit'
import { consumerStoreContract } from '@faultline/sync-kit/testing'
import { isMangled, runScenario, scenarioArb } from './scenario.js'
import {
  appendToHistoryPg,
  drained,
  expectedRows,
  itemEvent,
  pgHistoryProjection,
  publishEvents,
  waitUntil,
} from './support.js'

let server: PostgresHandle
let pool: pg.Pool
let store: PostgresConsumerStore
const PG_RUNS = 60

beforeAll(async () => {
  server = await startPostgres()
  pool = new pg.Pool({ connectionString: (await server.createDatabase('consumer')).url, max: 8 })
  pool.on('error', () => undefined) // the server stops under idle clients in afterAll
  await migrateSyncKit(pool)
  await pool.query('CREATE TABLE items (id text PRIMARY KEY, history jsonb NOT NULL)')
  store = createPostgresConsumerStore({ pool })
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

const quick = { sleep: () => new Promise<void>((r) => setImmediate(r)), backoffBaseMs: 0 }

consumerStoreContract('PostgresConsumerStore', () => store)

describe('Consumer on Postgres', () => {
  test('migrations create the inbox tables once (a second migrateSyncKit() applies nothing)', async () => {
    expect(await migrateSyncKit(pool)).toEqual([])
    const r = await pool.query<{ id: string }>(
      `SELECT id FROM sync_kit_migrations WHERE id LIKE '01%'`,
    )
    expect(r.rows.map((x) => x.id).sort()).toEqual(['0101_inbox', '0102_backfill_cursor'])
  })

  test('inbox: a crash after the handler committed but before the offset did applies once', async () => {
    const run = async (withInbox: boolean) => {
      await reset()
      const broker = createMemoryBroker()
      await publishEvents(broker, 'items', [itemEvent('a', 1), itemEvent('a', 2)])
      const db = createPostgresConsumerStore({ pool })
      if (!withInbox) {
        // Without the inbox every delivery is a first one: every claim path always claims.
        db.claim = () => Promise.resolve(true)
        db.claimAndLock = (tx, namespace, event) => db.lastSequence(tx, namespace, event)
        Object.assign(db, { chunkTransaction: undefined }) // so claim() and lastSequence() are used
      }
      const options = {
        groupId: `crash-${String(withInbox)}`,
        topics: ['items'],
        handlers: { 'item.appended': appendToHistoryPg },
        db,
        deadLetters: broker,
        gapPolicy: withInbox ? ('hold' as const) : ('report' as const),
        ...quick,
      }
      let n = 0
      const dying = broker.consumer({ crashBeforeCommit: () => n++ === 0 })
      const first = createConsumer({ ...options, consumer: dying })
      await first.start()
      await drained(first, () => Promise.resolve([{ topic: 'items', partition: 0, offset: '1' }]))
      await first.stop()
      const second = createConsumer({ ...options, consumer: broker.consumer() })
      await second.start()
      await drained(second, () => Promise.resolve(broker.endOffsets(['items'])))
      await second.stop()
      return readItems()
    }
    expect(await run(true)).toEqual({ a: [1, 2] })
    // The hazard, without the inbox: both events (one chunk, offsets not committed) twice.
    expect(await run(false)).toEqual({ a: [1, 2, 1, 2] })
  })

  test('poison: dead-lettered after 3 attempts, its writes rolled back, later events applied', async () => {
    await reset()
    const broker = createMemoryBroker()
    const poison = itemEvent('a', 2, 'poison')
    await publishEvents(broker, 'items', [itemEvent('a', 1), poison, itemEvent('a', 3)])
    const c = createConsumer({
      groupId: 'poison',
      topics: ['items'],
      handlers: {
        'item.appended': async (tx, e, ctx) => {
          await appendToHistoryPg(tx, e, ctx) // written, then rolled back by the throw
          if (e.id === poison.id) throw new Error('constraint says no')
        },
      },
      consumer: broker.consumer(),
      db: store,
      deadLetters: broker,
      maxAttempts: 3,
      ...quick,
    })
    await c.start()
    await drained(c, () => Promise.resolve(broker.endOffsets(['items'])))
    await c.stop()
    expect(await readItems()).toEqual({ a: [1, 3] })
    const letters = broker.messages('poison.dlq').map((m) => readDeadLetter(m.headers))
    expect(letters).toMatchObject([
      { code: 'E_SYNC_HANDLER_FAILED', attempts: 3, origin: { topic: 'items', offset: '1' } },
    ])
  })

  test(`property: duplicated, reordered, crashing delivery equals apply-once-in-order (${PG_RUNS} runs)`, async () => {
    let mangled = 0
    let group = 0
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (s) => {
        await reset()
        if (isMangled(s)) mangled++
        const { actual, expected } = await runScenario(s, {
          db: store,
          handler: appendToHistoryPg,
          groupId: `prop-${group++}`,
          readModel: readItems,
        })
        expect(actual).toEqual(expected)
      }),
      { numRuns: PG_RUNS, endOnFailure: true },
    )
    expect(mangled).toBeGreaterThan(PG_RUNS / 2)
  })
})

describe('ProjectionRunner on Postgres', () => {
  test('rebuild() under live traffic swaps in a table whose checksum equals the live one', async () => {
    const broker = createMemoryBroker({ partitions: 3 })
    const events = ['a', 'b', 'c', 'd'].flatMap((id) =>
      [1, 2, 3, 4].map((s) => itemEvent(id, s, `${id}${s}`)),
    )
    await publishEvents(broker, 'items', [...events].reverse())
    const runner = createProjectionRunner({
      projection: pgHistoryProjection,
      db: store,
      topics: ['items'],
      connect: () => broker.consumer(),
      deadLetters: broker,
      pollMs: 5,
      consumer: quick,
    })
    await runner.start()
    const ends = () => Promise.resolve(broker.endOffsets(['items']))
    await drained(runner.consumer!, ends)
    const before = await runner.checksum(() => Promise.resolve(expectedRows(events)))
    expect(before.equal).toBe(true)
    await runner.rebuild()
    expect((await runner.checksum()).readModel).toEqual(before.readModel)

    let next = 5
    let rebuilding = true
    const traffic = (async () => {
      while ((rebuilding && next < 40) || next < 10) {
        const more = ['a', 'b', 'c', 'd'].map((id) => itemEvent(id, next, `${id}${next}`))
        next++
        events.push(...more)
        await publishEvents(broker, 'items', more)
        await new Promise((r) => setTimeout(r, 10))
      }
    })()
    const result = await runner.rebuild()
    rebuilding = false
    await traffic
    await drained(runner.consumer!, ends, 60_000)
    expect(result.rows).toBe(4)
    await runner.verify(() => Promise.resolve(expectedRows(events)))
    const tables = await pool.query(
      `SELECT tablename FROM pg_tables WHERE tablename LIKE 'item_history%'`,
    )
    expect(tables.rows).toEqual([{ tablename: 'item_history' }]) // no leftover rebuild tables
    await runner.stop()
  })
})

describe('Consumer on Postgres, outage', () => {
  /** Kills the database under an open transaction, restarts it, and drains the topic. */
  /**
   * `drain` waits until every event is consumed. `dead-letter` only waits for the first dead
   * letter: a consumer that takes the outage for the events' fault may stop the way a crashed
   * process would (the memory broker stops on a rejected message), so it never drains.
   */
  async function runOutage(
    db: PostgresConsumerStore,
    groupId: string,
    settle: 'drain' | 'dead-letter',
  ) {
    await reset()
    const broker = createMemoryBroker({ partitions: 2 })
    const ids = ['a', 'b', 'c', 'd']
    await publishEvents(
      broker,
      'items',
      ids.flatMap((id) => [1, 2, 3, 4, 5].map((s) => itemEvent(id, s))),
    )
    let applied = 0
    const c = createConsumer({
      groupId,
      topics: ['items'],
      handlers: {
        'item.appended': async (tx, e, ctx) => {
          await appendToHistoryPg(tx, e, ctx)
          if (++applied === 5) await server.kill() // dies under an open transaction
        },
      },
      consumer: broker.consumer(),
      db,
      deadLetters: broker,
      maxAttempts: 2,
      backoffBaseMs: 50,
      backoffMaxMs: 500,
    })
    await c.start()
    await waitUntil(() => c.metrics().storeUnavailable > 0 || c.metrics().deadLettered > 0, 30_000)
    await server.restart()
    if (settle === 'drain')
      await drained(c, () => Promise.resolve(broker.endOffsets(['items'])), 60_000)
    else await waitUntil(() => c.metrics().deadLettered > 0, 30_000)
    await c.stop()
    return { metrics: c.metrics(), items: await readItems() }
  }

  test('SIGKILL of the database mid-stream: events wait, none is dead-lettered, each applies once', async () => {
    const kit = await runOutage(store, 'outage', 'drain')
    expect(kit.metrics.deadLettered).toBe(0)
    expect(kit.items).toEqual(
      Object.fromEntries(['a', 'b', 'c', 'd'].map((id) => [id, [1, 2, 3, 4, 5]])),
    )
    // A consumer that counts the outage against the events dead-letters healthy ones.
    const naive = createPostgresConsumerStore({ pool })
    naive.isUnavailable = () => false
    const hazard = await runOutage(naive, 'outage-naive', 'dead-letter')
    expect(hazard.metrics.deadLettered).toBeGreaterThan(0)
    expect(hazard.items).not.toEqual(kit.items)
  })
})

describe('Consumer on Postgres: transactions Postgres aborts for a concurrent one', () => {
  /** Two aggregate ids that the broker puts on different partitions. */
  async function idsOnTwoPartitions(broker: ReturnType<typeof createMemoryBroker>) {
    const byPartition = new Map<number, string>()
    for (let i = 0; byPartition.size < 2; i++) {
      const [r] = await broker.publish([
        { topic: 'probe', key: `k${i}`, value: Buffer.from('{}'), headers: {} },
      ])
      if (r?.ok === true && r.partition !== undefined) byPartition.set(r.partition, `k${i}`)
    }
    return [...byPartition.values()] as [string, string]
  }

  test('a deadlock between two partitions is run again, and no event is dead-lettered for it', async () => {
    await reset()
    await pool.query(`CREATE TABLE IF NOT EXISTS ledger (id text PRIMARY KEY, n int NOT NULL);
      TRUNCATE ledger; INSERT INTO ledger VALUES ('L1', 0), ('L2', 0)`)
    const broker = createMemoryBroker({ partitions: 2 })
    const [p, q] = await idsOnTwoPartitions(broker)
    await publishEvents(broker, 'items', [itemEvent(p, 1), itemEvent(q, 1)])
    // The two handlers update both ledger rows in opposite orders, and their first attempts wait
    // for each other between the two updates: Postgres detects the deadlock and aborts one.
    const order: Record<string, [string, string]> = { [p]: ['L1', 'L2'], [q]: ['L2', 'L1'] }
    let holding = 0
    let meet: () => void = () => undefined
    const bothHold = new Promise<void>((resolve) => (meet = resolve))
    const c = createConsumer({
      groupId: 'deadlock',
      topics: ['items'],
      handlers: {
        'item.appended': async (tx, e, ctx) => {
          const [first, second] = order[e.aggregateId]!
          await tx.query('UPDATE ledger SET n = n + 1 WHERE id = $1', [first])
          if (++holding === 2) meet()
          await bothHold
          await tx.query('UPDATE ledger SET n = n + 1 WHERE id = $1', [second])
          await appendToHistoryPg(tx, e, ctx)
        },
      },
      consumer: broker.consumer(),
      db: store,
      deadLetters: broker,
      maxAttempts: 1, // any failure counted against an event dead-letters it
      ...quick,
    })
    await c.start()
    await drained(c, () => Promise.resolve(broker.endOffsets(['items'])), 30_000)
    await c.stop()
    expect(c.metrics().deadLettered).toBe(0)
    expect(c.metrics().conflicts).toBeGreaterThanOrEqual(1)
    expect(await readItems()).toEqual({ [p]: [1], [q]: [1] })
    const ledger = await pool.query<{ n: number }>('SELECT n FROM ledger ORDER BY id')
    expect(ledger.rows.map((r) => r.n)).toEqual([2, 2])
  })
})
