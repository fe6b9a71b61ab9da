import pg from 'pg'
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest'
import { startPostgres, type PostgresHandle } from '@faultline/infra'
import {
  appendEvents,
  createMemoryPublisher,
  createPollingRelay,
  decodeEnvelope,
  migrateSyncKit,
  type StallReport,
} from '@faultline/sync-kit'
import { outboxTypesChecked } from '../src/relay/polling-query.js'
import { NaiveIdPoller } from './support/naive-poller.js'
import { ev, inTx, waitFor, writeLoad } from './support/pg.js'
import { startWriter } from './support/writer.js'

let server: PostgresHandle
let url: string
let pool: pg.Pool

beforeAll(async () => {
  server = await startPostgres()
  url = (await server.createDatabase('relay_b')).url
  pool = new pg.Pool({ connectionString: url, max: 6 })
  pool.on('error', () => undefined) // the server stops under idle clients in afterAll
  await migrateSyncKit(pool)
})

beforeEach(async () => {
  // Each test runs its relay over the whole outbox, as if no relay had run before.
  await pool.query('UPDATE sync_outbox SET delivered_at = NULL')
  await pool.query('DELETE FROM sync_relay_cursor')
})

afterAll(async () => {
  await pool?.end()
  await server?.stop()
})

/** Waits until `relay` has started `count` more polls: each of them saw what committed before. */
async function pollsPast(relay: { stats(): { polls: number } }, count: number): Promise<void> {
  const polls = relay.stats().polls
  await waitFor(
    () => relay.stats().polls >= polls + count,
    10_000,
    `the relay to poll ${count} more times`,
  )
}

/** Outbox ids in true commit order. */
async function commitOrder(): Promise<string[]> {
  const r = await pool.query<{ id: string }>(
    `SELECT id::text FROM sync_outbox
      ORDER BY pg_xact_commit_timestamp(xid::xid), xid, position`,
  )
  return r.rows.map((x) => x.id)
}

describe('PollingRelay', () => {
  test('a transaction held open while 20 others commit and the stall alarm fires: nothing past the horizon, then all in commit order; a naive id poller loses its events', async () => {
    const publisher = createMemoryPublisher()
    const stalls: StallReport[] = []
    const relay = createPollingRelay({
      connection: url,
      publisher,
      name: 'long-tx',
      pollIntervalMs: 50,
      stallAlarmMs: 500,
      onStall: (r) => stalls.push(r),
    })
    const naive = new NaiveIdPoller(pool)
    await relay.start()
    const before = await writeLoad(pool, 5, 2, 5)
    await waitFor(() => publisher.messages('outbox.event.order').length === before)

    // The long transaction takes its outbox position first, then stays open.
    const long = await pool.connect()
    await long.query('BEGIN')
    const held = await appendEvents(long, [ev('held-1', 0), ev('held-2', 1)])
    let others = 0
    // Sized by work: each transaction behind the open one is seen by the naive poller and by two
    // later polls of the relay, which must not deliver it; until 20 have, and the alarm fired.
    for (let written = 0; written < 20 || stalls.length === 0; written++) {
      if (written > 1000) throw new Error('the stall alarm never fired')
      others += await writeLoad(pool, 1, 3, 50, others)
      await naive.pollOnce()
      await pollsPast(relay, 2)
    }
    const deliveredWhileOpen = publisher.messages('outbox.event.order').length
    await long.query('COMMIT')
    long.release()
    await naive.pollOnce()

    const total = before + others + held.length
    await waitFor(() => publisher.messages('outbox.event.order').length >= total)
    await pollsPast(relay, 3) // nothing extra may trickle in
    await relay.stop()

    const delivered = publisher
      .messages('outbox.event.order')
      .map((m) => decodeEnvelope(m.value).id)
    expect(others).toBeGreaterThan(30)
    expect(deliveredWhileOpen).toBe(before)
    expect(delivered).toEqual(await commitOrder())
    expect(new Set(delivered).size).toBe(total)
    expect(stalls.length).toBeGreaterThan(0)
    expect(stalls[0]!.blocker?.xid).toBeTruthy()
    // The hazard: the naive poller moved past the held transaction's positions for good.
    const missed = held.map((e) => e.id).filter((id) => !naive.seen.includes(id))
    expect(missed).toEqual(held.map((e) => e.id))
    expect(
      new Set(naive.seen).size,
      `dupes ${naive.seen.length - new Set(naive.seen).size} others ${others} before ${before}`,
    ).toBe(total - held.length)
  })

  test('resumes from its saved cursor after stop/start without loss or duplicates', async () => {
    const publisher = createMemoryPublisher()
    const opts = { connection: url, publisher, name: 'resume', pollIntervalMs: 50, batchSize: 7 }
    const a = createPollingRelay(opts)
    await a.start()
    await writeLoad(pool, 10, 3, 4)
    await a.stop()
    await writeLoad(pool, 10, 3, 4, 1000)
    const b = createPollingRelay(opts)
    await b.start()
    const all = await commitOrder()
    await waitFor(() => publisher.messages('outbox.event.order').length >= all.length)
    await b.stop()
    const ids = publisher.messages('outbox.event.order').map((m) => decodeEnvelope(m.value).id)
    expect(ids).toEqual(all)
  })

  test('a broker that refuses messages delays delivery but loses nothing', async () => {
    let refusals = 0
    const publisher = createMemoryPublisher({ shouldFail: () => refusals++ % 3 === 0 })
    const relay = createPollingRelay({
      connection: url,
      publisher,
      name: 'flaky',
      pollIntervalMs: 50,
      retryDelayMs: 5,
    })
    await relay.start()
    const all = await commitOrder()
    await waitFor(() => publisher.messages('outbox.event.order').length >= all.length)
    await relay.stop()
    const ids = publisher.messages('outbox.event.order').map((m) => decodeEnvelope(m.value).id)
    expect(new Set(ids)).toEqual(new Set(all))
    expect(relay.stats().publishFailures).toBeGreaterThan(0)
  })

  test('stop() while the broker withholds acks leaves the cursor where it was', async () => {
    let attempts = 0
    const withheld = {
      publish: () => {
        attempts++
        return new Promise<never>(() => undefined)
      },
      close: () => Promise.resolve(),
    }
    const stuck = createPollingRelay({
      connection: url,
      publisher: withheld,
      name: 'withheld',
      pollIntervalMs: 20,
    })
    await stuck.start()
    await waitFor(() => attempts > 0, 10_000, 'a publish the broker never acknowledges')
    await stuck.stop(200)
    const publisher = createMemoryPublisher()
    const next = createPollingRelay({
      connection: url,
      publisher,
      name: 'withheld',
      pollIntervalMs: 20,
    })
    await next.start()
    const all = await commitOrder()
    await waitFor(() => publisher.messages('outbox.event.order').length >= all.length)
    await next.stop()
    expect(publisher.messages('outbox.event.order').map((m) => decodeEnvelope(m.value).id)).toEqual(
      all,
    )
  })

  test('a backlog drains in small batches reading each row once, not the backlog per poll', async () => {
    await writeLoad(pool, 300, 10, 50, 5000)
    const all = await commitOrder()
    const publisher = createMemoryPublisher()
    const relay = createPollingRelay({
      connection: url,
      publisher,
      name: 'backlog',
      pollIntervalMs: 20,
      batchSize: 100,
    })
    await relay.start()
    await waitFor(() => publisher.messages('outbox.event.order').length >= all.length, 60_000)
    await relay.stop()
    const ids = publisher.messages('outbox.event.order').map((m) => decodeEnvelope(m.value).id)
    expect(ids).toEqual(all)
    // Rescanning the undelivered backlog on every poll would read about all²/(2 x batch) rows.
    expect(relay.stats().scannedRows).toBe(all.length)
    expect(relay.stats().polls).toBeGreaterThanOrEqual(all.length / 100)
  })

  test('16 concurrent writers on 10 aggregates: every event delivered, each aggregate in sequence order', async () => {
    const publisher = createMemoryPublisher()
    const relay = createPollingRelay({
      connection: url,
      publisher,
      name: 'busy',
      pollIntervalMs: 10,
    })
    await relay.start()
    const writers = Array.from({ length: 16 }, () => startWriter(pool, 10, 0))
    const committed = () => writers.reduce((sum, w) => sum + w.committed, 0)
    await waitFor(() => committed() >= 1500, 60_000, 'the writers to commit 1,500 events')
    await Promise.all(writers.map((w) => w.stop()))
    const all = await commitOrder()
    await waitFor(() => publisher.messages('outbox.event.order').length >= all.length, 60_000)
    await relay.stop()
    const got = publisher.messages('outbox.event.order').map((m) => decodeEnvelope(m.value))
    expect(new Set(got.map((e) => e.id))).toEqual(new Set(all))
    expect(got.length).toBe(all.length)
    const last = new Map<string, number>()
    for (const e of got) {
      const prev = last.get(e.aggregateId)
      if (prev !== undefined) expect(e.sequence).toBe(prev + 1)
      last.set(e.aggregateId, e.sequence)
    }
  })
})

describe('PollingRelay message values', () => {
  test('payloads go out as Postgres stored them, and an invalid row goes to the invalid-row topic', async () => {
    const db = new pg.Pool({
      connectionString: (await server.createDatabase('relay_b_values')).url,
      max: 2,
    })
    db.on('error', () => undefined)
    await migrateSyncKit(db)
    const awkward = {
      quote: 'say "hi" \\ back\nslash',
      unicode: 'héllo wörld ✓ 😀 \u0001',
      numbers: [0, -1.5, 1e21, 2 ** 53 + 2, 0.1],
    }
    await inTx(db, (c) =>
      appendEvents(c, [
        { aggregateType: 'values', aggregateId: 'v-1', type: 'values.awkward', payload: awkward },
      ]),
    )
    // Written by hand, as a buggy producer might: an empty aggregate id is not a valid envelope.
    await db.query(
      `INSERT INTO sync_outbox (id, aggregatetype, aggregateid, type, version, sequence, payload)
       VALUES (gen_random_uuid(), 'values', '', 'values.bad', 1, 1, '{}')`,
    )
    const publisher = createMemoryPublisher()
    const relay = createPollingRelay({
      connection: db.options.connectionString!,
      publisher,
      pollIntervalMs: 20,
      invalidTopic: 'values.invalid',
    })
    await relay.start()
    await waitFor(() => relay.stats().publishedEvents >= 2)
    await relay.stop()
    await db.end()
    const [good] = publisher.messages('outbox.event.values')
    expect(decodeEnvelope(good!.value).payload).toEqual(awkward)
    expect(good!.headers['fl-event-type']).toBe('values.awkward@1')
    const invalid = publisher.messages('values.invalid')
    expect(invalid).toHaveLength(1)
    expect(invalid[0]!.headers['fl-error']).toMatch(/aggregateId must be a non-empty string/)
  })
})

describe('outboxTypesChecked', () => {
  test('is true for the shipped outbox table and false when a column is plain text', async () => {
    expect(await outboxTypesChecked(pool, 'sync_outbox')).toBe(true)
    await pool.query(`CREATE TABLE IF NOT EXISTS text_outbox (LIKE sync_outbox);
      ALTER TABLE text_outbox ALTER COLUMN payload TYPE text`)
    expect(await outboxTypesChecked(pool, 'text_outbox')).toBe(false)
  })
})
