import pg from 'pg'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startPostgres, type PostgresHandle } from '@faultline/infra'
import {
  appendEvents,
  createLogicalRelay,
  createMemoryPublisher,
  decodeEnvelope,
  isSyncKitError,
  migrateSyncKit,
  uuidv7,
  type SyncKitError,
} from '@faultline/sync-kit'
import { ev, inTx, outboxRows, waitFor, writeLoad } from './support/pg.js'

let server: PostgresHandle
let url: string
let pool: pg.Pool

beforeAll(async () => {
  server = await startPostgres()
  url = (await server.createDatabase('relay_a')).url
  pool = new pg.Pool({ connectionString: url, max: 4 })
  pool.on('error', () => undefined) // the server stops under idle clients in afterAll
  await migrateSyncKit(pool)
})

afterAll(async () => {
  await pool?.end()
  await server?.stop()
})

describe('LogicalRelay (memory publisher)', () => {
  test('publishes every committed event once, keyed by aggregateId, in per-aggregate order', async () => {
    const publisher = createMemoryPublisher()
    const relay = createLogicalRelay({
      connection: url,
      publisher,
      slot: 's_basic',
      publication: 'p_basic',
    })
    await relay.start()
    const total = await writeLoad(pool, 50, 4, 7)
    await waitFor(() => publisher.messages('outbox.event.order').length >= total)
    await relay.stop()
    const got = publisher.messages('outbox.event.order').map((m) => decodeEnvelope(m.value))
    const rows = await outboxRows(pool)
    expect(got.map((e) => e.id).sort()).toEqual(rows.map((r) => r.id).sort())
    const last = new Map<string, number>()
    for (const e of got) {
      expect(e.sequence).toBe((last.get(e.aggregateId) ?? 0) + 1)
      last.set(e.aggregateId, e.sequence)
    }
  })
})

describe('LogicalRelay publisher warm-up', () => {
  test('connects the publisher at start; an unreachable broker there only warns', async () => {
    const warnings: string[] = []
    const publisher = createMemoryPublisher()
    let connects = 0
    Object.assign(publisher, {
      endpoint: 'kafka.example.invalid:9092',
      connect: () => {
        connects++
        return Promise.reject(new Error('broker unreachable'))
      },
    })
    const relay = createLogicalRelay({
      connection: url,
      publisher,
      slot: 's_warm',
      publication: 'p_warm',
      logger: warnLogger(warnings),
    })
    await relay.start()
    expect(relay.stats().broker).toMatchObject({
      endpoint: 'kafka.example.invalid:9092',
      reachable: false,
      lastError: 'broker unreachable',
    })
    const total = await writeLoad(pool, 5, 1, 3)
    await waitFor(() => relay.stats().publishedEvents >= total)
    expect(relay.stats().broker.reachable).toBe(true)
    await relay.stop()
    expect(connects).toBe(1)
    expect(warnings).toContain(
      'sync-kit relay: cannot reach the broker at kafka.example.invalid:9092; publishing will retry',
    )
  })
})

describe('LogicalRelay slot handling', () => {
  test('a second relay on the same slot fails with E_SYNC_SLOT_IN_USE', async () => {
    const first = createLogicalRelay({
      connection: url,
      publisher: createMemoryPublisher(),
      slot: 's_busy',
      publication: 'p_busy',
    })
    await first.start()
    const second = createLogicalRelay({
      connection: url,
      publisher: createMemoryPublisher(),
      slot: 's_busy',
      publication: 'p_busy',
      slotWaitMs: 300,
    })
    const err: unknown = await second.start().catch((e: unknown) => e)
    await first.stop()
    expect(isSyncKitError(err, 'E_SYNC_SLOT_IN_USE')).toBe(true)
    expect((err as Error).message).toMatch(/"s_busy" is in use.*another relay/)
  })

  test('keepalive acks move an idle slot while another database churns WAL (heartbeats off)', async () => {
    const warnings: string[] = []
    const relay = createLogicalRelay({
      connection: url,
      publisher: createMemoryPublisher(),
      slot: 's_idle',
      publication: 'p_idle',
      heartbeatIntervalMs: 0,
      statusIntervalMs: 100,
      retainedWalWarnBytes: 1n,
      logger: warnLogger(warnings),
    })
    await relay.start()
    const before = await relay.slotMetrics()
    // WAL is cluster-wide: a busy neighbour database makes an idle slot pin it unless acked.
    const neighbour = new pg.Pool({ connectionString: (await server.createDatabase('busy')).url })
    await neighbour.query('CREATE TABLE churn (n int)')
    for (let i = 0; i < 20; i++)
      await neighbour.query('INSERT INTO churn SELECT generate_series(1, 2000)')
    await neighbour.end()
    const churned = parseLsnOf(
      (await pool.query<{ l: string }>('SELECT pg_current_wal_lsn()::text AS l')).rows[0]!.l,
    )
    await waitFor(
      async () => parseLsnOf((await relay.slotMetrics()).confirmedFlushLsn ?? '0/0') >= churned,
    )
    const after = await relay.slotMetrics()
    await relay.stop()
    expect(after.active).toBe(true)
    expect(after.confirmedFlushLsn! > before.confirmedFlushLsn!).toBe(true)
    expect(relay.stats().heartbeatLagMs).toBeUndefined()
    expect(typeof after.retainedWalBytes).toBe('bigint')
    expect(warnings).toContain('replication slot retains too much WAL')
  })

  test('heartbeats travel the slot and report end-to-end lag while the outbox is idle', async () => {
    const relay = createLogicalRelay({
      connection: url,
      publisher: createMemoryPublisher(),
      slot: 's_heartbeat',
      publication: 'p_heartbeat',
      heartbeatIntervalMs: 100,
    })
    await relay.start()
    const before = (await relay.slotMetrics()).confirmedFlushLsn!
    await waitFor(() => relay.stats().heartbeatLagMs !== undefined)
    await waitFor(async () => (await relay.slotMetrics()).confirmedFlushLsn! > before)
    const { heartbeatLagMs, publishedEvents } = relay.stats()
    await relay.stop()
    expect(heartbeatLagMs).toBeGreaterThanOrEqual(0)
    expect(publishedEvents).toBe(0) // heartbeats are not events
  })
})

function warnLogger(warnings: string[]) {
  return {
    debug: () => undefined,
    info: () => undefined,
    warn: (fields: Record<string, unknown> | string, message?: string) =>
      void warnings.push(typeof fields === 'string' ? fields : (message ?? '')),
    error: () => undefined,
  }
}

function parseLsnOf(text: string): bigint {
  const [hi, lo] = text.split('/')
  return (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`)
}

describe('LogicalRelay reconnects', () => {
  test('a slot dropped while the relay runs: the relay stops with onFailed instead of recreating it past the events it missed', async () => {
    const publisher = createMemoryPublisher()
    const failures: SyncKitError[] = []
    const relay = createLogicalRelay({
      connection: url,
      publisher,
      slot: 's_dropped',
      publication: 'p_dropped',
      reconnectDelayMs: 200,
      onFailed: (e) => failures.push(e),
    })
    await relay.start()
    const before = await writeLoad(pool, 3, 1, 2)
    await waitFor(() => relay.stats().publishedEvents >= before)
    // Cut the relay's connection and drop its slot before it reconnects (it may win the race:
    // then cut and drop again).
    await waitFor(async () => {
      await pool.query(
        `SELECT pg_terminate_backend(active_pid, 5000) FROM pg_replication_slots
          WHERE slot_name = 's_dropped' AND active_pid IS NOT NULL`,
      )
      return pool.query(`SELECT pg_drop_replication_slot('s_dropped')`).then(
        () => true,
        () => false,
      )
    })
    await writeLoad(pool, 3, 1, 2) // committed while no slot exists: only a backfill finds them
    const slotExists = async () =>
      (await pool.query(`SELECT 1 FROM pg_replication_slots WHERE slot_name = 's_dropped'`))
        .rowCount === 1
    // Either outcome ends the wait: the relay gave up, or it made itself a new slot.
    await waitFor(async () => failures.length > 0 || (await slotExists()))
    const slotRecreated = await slotExists()
    await relay.stop()
    expect({ failed: failures.map((e) => e.code), slotRecreated }).toEqual({
      failed: ['E_SYNC_REPLICATION'],
      slotRecreated: false,
    })
    expect(failures[0]?.retryable).toBe(false)
    expect(failures[0]?.message).toMatch(/backfill/)
  })
})

describe('LogicalRelay slot ownership', () => {
  test('a slot name taken by another database is refused with a clear error', async () => {
    const other = (await server.createDatabase('relay_a_other')).url
    const otherPool = new pg.Pool({ connectionString: other })
    await migrateSyncKit(otherPool)
    await otherPool.end()
    const first = createLogicalRelay({
      connection: other,
      publisher: createMemoryPublisher(),
      slot: 's_shared',
    })
    await first.start()
    await first.stop()
    const second = createLogicalRelay({
      connection: url,
      publisher: createMemoryPublisher(),
      slot: 's_shared',
    })
    const err: unknown = await second.start().catch((e: unknown) => e)
    expect(isSyncKitError(err, 'E_SYNC_INVALID_OPTION')).toBe(true)
    expect((err as Error).message).toMatch(/decodes database "relay_a_other".*cluster-wide/)
  })
})

describe('LogicalRelay message values', () => {
  test('payloads and headers go out as Postgres stored them, and an invalid row goes to the invalid-row topic', async () => {
    const publisher = createMemoryPublisher()
    const relay = createLogicalRelay({
      connection: url,
      publisher,
      slot: 's_values',
      publication: 'p_values',
      invalidTopic: 'values.invalid',
    })
    await relay.start()
    const awkward = {
      quote: 'say "hi" \\ back\nslash',
      unicode: 'héllo wörld ✓ 😀 \u0001',
      numbers: [0, -1.5, 1e21, 2 ** 53 + 2, 0.1],
      nested: { empty: {}, list: [null, true, false, [[]]] },
    }
    await inTx(pool, (c) =>
      appendEvents(c, [
        {
          aggregateType: 'values',
          aggregateId: 'v-1',
          type: 'values.awkward',
          payload: awkward,
          headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
        },
      ]),
    )
    // Written by hand, as a buggy producer might: a type with "@" is not a valid envelope.
    await pool.query(
      `INSERT INTO sync_outbox (id, aggregatetype, aggregateid, type, version, sequence, payload)
       VALUES ($1, 'values', 'v-2', 'bad@type', 1, 1, '{}')`,
      [uuidv7()],
    )
    await inTx(pool, (c) => appendEvents(c, [ev('v-3', 0, 'values')]))
    await waitFor(() => relay.stats().publishedEvents >= 3)
    await relay.stop()
    const [good, after] = [
      publisher.messages('outbox.event.values')[0]!,
      publisher.messages('outbox.event.values')[1]!,
    ]
    const envelope = decodeEnvelope(good.value)
    expect(envelope.payload).toEqual(awkward)
    expect(envelope.headers).toEqual({
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    })
    expect(good.headers).toMatchObject({
      traceparent: envelope.headers.traceparent,
      'fl-event-id': envelope.id,
      'fl-event-type': 'values.awkward@1',
    })
    expect(Date.parse(envelope.occurredAt)).not.toBeNaN()
    expect(decodeEnvelope(after.value).aggregateId).toBe('v-3')
    const invalid = publisher.messages('values.invalid')
    expect(invalid).toHaveLength(1)
    expect(invalid[0]!.headers['fl-error']).toMatch(/type must not contain "@"/)
  })
})
