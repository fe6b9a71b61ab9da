import pg from 'pg'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startPostgres, type PostgresHandle } from '@faultline/infra'
import { appendEvents, compareLsn, migrateSyncKit } from '@faultline/sync-kit'
import { fetchRows } from '../src/relay/polling-query.js'
import { ev } from './support/pg.js'

let server: PostgresHandle
let pool: pg.Pool

beforeAll(async () => {
  server = await startPostgres()
  // The WAL writer flushes asynchronous commits late: their records stay unwritten for seconds,
  // so the write position lags every commit this test makes.
  const admin = new pg.Client({ connectionString: server.url })
  await admin.connect()
  await admin.query("ALTER SYSTEM SET wal_writer_delay = '10s'")
  await admin.query("ALTER SYSTEM SET wal_writer_flush_after = '1GB'")
  await admin.query('SELECT pg_reload_conf()')
  await admin.end()
  pool = new pg.Pool({ connectionString: (await server.createDatabase('commit_lsn')).url, max: 2 })
  pool.on('error', () => undefined)
  await migrateSyncKit(pool)
})

afterAll(async () => {
  await pool?.end()
  await server?.stop()
})

describe("relay B's commit LSN", () => {
  test('is past the commit record of an asynchronous commit the moment its row is visible', async () => {
    const client = await pool.connect()
    let beforeCommit: string
    try {
      await client.query('SET synchronous_commit = off')
      await client.query('BEGIN')
      await appendEvents(client, [ev('a1', 1)])
      // The commit record is inserted after this position.
      const { rows } = await client.query<{ lsn: string }>(
        'SELECT pg_current_wal_insert_lsn()::text AS lsn',
      )
      beforeCommit = rows[0]!.lsn
      await client.query('COMMIT')
    } finally {
      client.release()
    }
    const { rows: positions } = await pool.query<{ position: string }>(
      'SELECT position::text FROM sync_outbox',
    )
    const [row] = await fetchRows(pool, 'sync_outbox', [Number(positions[0]!.position)])
    expect(row?.commit_lsn).toBeTruthy()
    expect(compareLsn(row!.commit_lsn!, beforeCommit)).toBeGreaterThan(0)
  })
})
