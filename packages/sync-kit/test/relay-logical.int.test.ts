import pg from 'pg'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startPostgres, type PostgresHandle } from '@faultline/infra'
import {
  createLogicalRelay,
  createMemoryPublisher,
  decodeEnvelope,
  isSyncKitError,
  migrate,
} from '@faultline/sync-kit'
import { outboxRows, waitFor, writeLoad } from './support/pg.js'

let server: PostgresHandle
let url: string
let pool: pg.Pool

beforeAll(async () => {
  server = await startPostgres()
  url = (await server.createDatabase('relay_a')).url
  pool = new pg.Pool({ connectionString: url, max: 4 })
  pool.on('error', () => undefined) // the server stops under idle clients in afterAll
  await migrate(pool)
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

  test('an idle outbox still advances the slot through heartbeats; retained WAL is measured', async () => {
    const warnings: string[] = []
    const logger = {
      debug: () => undefined,
      info: () => undefined,
      warn: (m: string) => warnings.push(m),
      error: () => undefined,
    }
    const relay = createLogicalRelay({
      connection: url,
      publisher: createMemoryPublisher(),
      slot: 's_idle',
      publication: 'p_idle',
      heartbeatIntervalMs: 100,
      statusIntervalMs: 100,
      retainedWalWarnBytes: 1n,
      logger,
    })
    await relay.start()
    const before = await relay.slotMetrics()
    // Other tables churn WAL; without heartbeats nothing would move the idle slot.
    await pool.query('CREATE TABLE IF NOT EXISTS churn (n int)')
    for (let i = 0; i < 20; i++)
      await pool.query('INSERT INTO churn SELECT generate_series(1, 2000)')
    const churned = (await pool.query<{ l: string }>('SELECT pg_current_wal_lsn()::text AS l'))
      .rows[0]!.l
    await waitFor(async () => {
      const m = await relay.slotMetrics()
      return (m.confirmedFlushLsn ?? 0n) >= parseLsnOf(churned)
    })
    const after = await relay.slotMetrics()
    await relay.stop()
    expect(after.active).toBe(true)
    expect(after.confirmedFlushLsn! > before.confirmedFlushLsn!).toBe(true)
    expect(typeof after.retainedWalBytes).toBe('bigint')
    expect(warnings).toContain('replication slot retains too much WAL')
  })
})

function parseLsnOf(text: string): bigint {
  const [hi, lo] = text.split('/')
  return (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`)
}

describe('LogicalRelay slot ownership', () => {
  test('a slot name taken by another database is refused with a clear error', async () => {
    const other = (await server.createDatabase('relay_a_other')).url
    const otherPool = new pg.Pool({ connectionString: other })
    await migrate(otherPool)
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
    expect(isSyncKitError(err, 'E_SYNC_INVALID_OPTIONS')).toBe(true)
    expect((err as Error).message).toMatch(/decodes database "relay_a_other".*cluster-wide/)
  })
})
