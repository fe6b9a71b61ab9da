import pg from 'pg'
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest'
import { startPostgres, type PostgresHandle } from '@faultline/infra'
import {
  appendEvents,
  createBackfill,
  isSyncKitError,
  migrateSyncKit,
  type JsonValue,
} from '@faultline/sync-kit'

interface Product extends Record<string, unknown> {
  id: number
  name: string
  price: number
}

let server: PostgresHandle
let pool: pg.Pool
const ROWS = 1000

beforeAll(async () => {
  server = await startPostgres()
  pool = new pg.Pool({ connectionString: (await server.createDatabase('backfill')).url, max: 6 })
  pool.on('error', () => undefined) // the server stops under idle clients in afterAll
  await migrateSyncKit(pool)
  await pool.query(
    'CREATE TABLE products (id int PRIMARY KEY, name text NOT NULL, price int NOT NULL)',
  )
})

afterAll(async () => {
  await pool?.end()
  await server?.stop()
})

beforeEach(async () => {
  await pool.query(
    'TRUNCATE products, sync_outbox, sync_outbox_sequence, sync_backfill_cursor RESTART IDENTITY',
  )
  await pool.query(
    `INSERT INTO products SELECT i, 'p' || i, i * 10 FROM generate_series(1, ${ROWS}) AS i`,
  )
})

const snapshot = (p: Product) => ({
  aggregateType: 'product',
  aggregateId: String(p.id),
  type: 'product.snapshot',
  payload: { id: p.id, name: p.name, price: p.price },
})

/** A live write as a service does it: change the row and append its event in one transaction. */
async function liveUpdate(id: number, price: number, client?: pg.PoolClient): Promise<void> {
  const c = client ?? (await pool.connect())
  try {
    await c.query('BEGIN')
    const r = await c.query<Product>('UPDATE products SET price = $2 WHERE id = $1 RETURNING *', [
      id,
      price,
    ])
    await appendEvents(c, [{ ...snapshot(r.rows[0]!), type: 'product.changed' }])
    await c.query('COMMIT')
  } finally {
    if (!client) c.release()
  }
}

/** Sessions of this database that wait for a lock another transaction holds. */
async function lockWaiters(): Promise<number> {
  const r = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND wait_event_type = 'Lock'`,
  )
  return r.rows[0]?.n ?? 0
}

/** Polls `check` until it is true; past `timeoutMs` it throws, naming `what`. */
async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** What a consumer applying the outbox in sequence order ends with (events carry full state). */
async function replayOutbox(): Promise<Record<string, JsonValue>> {
  const r = await pool.query<{ aggregateid: string; payload: JsonValue }>(
    'SELECT aggregateid, payload FROM sync_outbox ORDER BY aggregateid, sequence',
  )
  return Object.fromEntries(r.rows.map((row) => [row.aggregateid, row.payload]))
}

async function sourceRows(): Promise<Record<string, JsonValue>> {
  const r = await pool.query<Product>('SELECT id, name, price FROM products')
  return Object.fromEntries(
    r.rows.map((p) => [String(p.id), { id: p.id, name: p.name, price: p.price }]),
  )
}

async function outboxCounts() {
  const r = await pool.query<{ n: string; ids: string }>(
    'SELECT count(*)::text AS n, count(DISTINCT aggregateid)::text AS ids FROM sync_outbox',
  )
  return { events: Number(r.rows[0]!.n), aggregates: Number(r.rows[0]!.ids) }
}

describe('Backfill', () => {
  test('resumes after stopping and after a crash mid-batch, emitting each row exactly once', async () => {
    const options = {
      name: 'products',
      pool,
      table: 'products',
      keyColumn: 'id',
      toEvent: snapshot,
      batchSize: 100,
    }
    expect(await createBackfill<Product>(options).run({ maxBatches: 3 })).toMatchObject({
      emitted: 300,
      cursor: '300',
      done: false,
    })
    const crashing = createBackfill<Product>({
      ...options,
      toEvent: (p) => {
        if (p.id === 550) throw new Error('process died')
        return snapshot(p)
      },
    })
    await expect(crashing.run()).rejects.toThrow(/process died/)
    expect(await outboxCounts()).toEqual({ events: 500, aggregates: 500 }) // batch 6 rolled back
    const done = await createBackfill<Product>(options).run()
    expect(done).toEqual({ cursor: '1000', done: true, emitted: ROWS, skipped: 0 })
    expect(await outboxCounts()).toEqual({ events: ROWS, aggregates: ROWS })
    expect(await createBackfill<Product>(options).run()).toEqual(done) // finished stays finished
    expect(await replayOutbox()).toEqual(await sourceRows())
  })

  test('skip-live: aggregates the live stream already carries get no snapshot', async () => {
    for (let id = 1; id <= 50; id++) await liveUpdate(id * 7, 1)
    const result = await createBackfill<Product>({
      name: 'skip',
      pool,
      table: 'products',
      keyColumn: 'id',
      toEvent: snapshot,
    }).run()
    expect(result).toMatchObject({ done: true, emitted: ROWS - 50, skipped: 50 })
    expect(await outboxCounts()).toEqual({ events: ROWS, aggregates: ROWS })
    expect(await replayOutbox()).toEqual(await sourceRows())
  })

  test('a writer racing a batch is sequenced after the snapshot; a naive unlocked read goes stale', async () => {
    let writer: Promise<void> | undefined
    const bf = createBackfill<Product>({
      name: 'race',
      pool,
      table: 'products',
      keyColumn: 'id',
      toEvent: snapshot,
      batchSize: 100,
      mode: 'always',
      afterRead: async (rows) => {
        if (rows[0]?.id !== 1) return
        // Rows are locked now: the writer's UPDATE waits for this batch to commit. Go on once
        // Postgres shows it waiting, or once it is done (only when the rows were not locked).
        let finished = false
        writer = liveUpdate(5, 12345).finally(() => (finished = true))
        await waitFor('the writer to wait for the batch', async () => {
          return finished || (await lockWaiters()) > 0
        })
      },
    })
    await bf.run()
    await writer
    const seq = await pool.query<{ type: string; sequence: string }>(
      `SELECT type, sequence::text FROM sync_outbox WHERE aggregateid = '5' ORDER BY sequence`,
    )
    expect(seq.rows).toEqual([
      { type: 'product.snapshot', sequence: '1' },
      { type: 'product.changed', sequence: '2' },
    ])
    expect(await replayOutbox()).toEqual(await sourceRows())

    // Naive: read without a lock, let the writer commit, then append the (now stale) snapshot.
    await pool.query('TRUNCATE sync_outbox, sync_outbox_sequence')
    const stale = await pool.query<Product>('SELECT * FROM products WHERE id = 5')
    await liveUpdate(5, 999)
    const c = await pool.connect()
    await c.query('BEGIN')
    await appendEvents(c, [snapshot(stale.rows[0]!)])
    await c.query('COMMIT')
    c.release()
    expect((await replayOutbox())['5']).not.toEqual((await sourceRows())['5'])
  })

  test('bad options fail at construction with E_SYNC_INVALID_OPTION', () => {
    const base = { name: 'x', pool, table: 'products', keyColumn: 'id', toEvent: snapshot }
    for (const bad of [
      { table: 'products; DROP TABLE x' },
      { keyColumn: 'id desc' },
      { batchSize: 0 },
      { name: '' },
    ]) {
      let err: unknown
      try {
        createBackfill<Product>({ ...base, ...bad })
      } catch (e) {
        err = e
      }
      expect(isSyncKitError(err, 'E_SYNC_INVALID_OPTION')).toBe(true)
    }
  })
})
