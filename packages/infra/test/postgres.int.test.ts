import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { compareLsn, formatLsn, parseLsn } from '@faultline/common'
import { startPostgres, type PostgresHandle } from '@faultline/infra'
import { withPgClient } from '../src/postgres/pg-query.js'
import { waitForReplay } from '../src/postgres/replication-status.js'
import { until } from './conditions.js'

const withClient = withPgClient

const count = (url: string, table: string) =>
  withClient(url, async (c) =>
    Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n),
  )

describe('startPostgres (local provider)', () => {
  let pgh: PostgresHandle

  beforeAll(async () => {
    pgh = await startPostgres({ replica: true, provider: 'local' })
  })
  afterAll(() => pgh?.stop())

  test('a row written on the primary appears on the replica and replayLsn advances', async () => {
    const before = await pgh.replayLsn()
    await withClient(pgh.url, (c) => c.query('CREATE TABLE items (id int primary key)'))
    await withClient(pgh.url, (c) => c.query('INSERT INTO items VALUES (1), (2)'))
    await until('both rows on the replica', async () => {
      return (await count(pgh.replicaUrl!, 'items').catch(() => -1)) === 2
    })
    const after = await pgh.replayLsn()
    expect(compareLsn(after, before)).toBeGreaterThan(0)
    expect(after).toBe(formatLsn(after)) // canonical text, as every Faultline package returns
    expect(await pgh.replicaLagBytes()).toBeGreaterThanOrEqual(0n)
  })

  test('the primary runs with logical WAL and commit timestamps', async () => {
    const rows = await withClient(pgh.url, (c) =>
      c.query<{ name: string; setting: string }>(
        "SELECT name, setting FROM pg_settings WHERE name IN ('wal_level', 'track_commit_timestamp') ORDER BY name",
      ),
    )
    expect(rows.rows).toEqual([
      { name: 'track_commit_timestamp', setting: 'on' },
      { name: 'wal_level', setting: 'logical' },
    ])
  })

  test('createDatabase() makes a database that is reachable on both servers', async () => {
    const db = await pgh.createDatabase('catalog')
    await withClient(db.url, (c) => c.query('SELECT 1'))
    await withClient(db.replicaUrl!, (c) => c.query('SELECT 1'))
    await expect(pgh.createDatabase('catalog')).rejects.toMatchObject({
      code: 'E_INFRA_COMMAND_FAILED',
      context: { sqlState: '42P04' }, // duplicate_database
    })
    await expect(pgh.createDatabase('Robert"; DROP')).rejects.toMatchObject({
      code: 'E_INFRA_INVALID_OPTION',
      context: { option: 'database name', value: '"Robert\\"; DROP"' },
    })
  })

  test('waiting for the replica says "not yet", never a driver error, while it is paused', async () => {
    const farAhead = parseLsn(await pgh.replayLsn()) + (1n << 40n)
    await pgh.replica?.pause()
    try {
      expect(await waitForReplay(pgh.replicaUrl!, farAhead, 1_000)).toBe(false)
    } finally {
      await pgh.replica?.resume()
    }
  })

  test('pause() makes a client time out and resume() recovers it', async () => {
    await pgh.pause()
    try {
      await expect(withClient(pgh.url, (c) => c.query('SELECT 1'), 800)).rejects.toThrow()
    } finally {
      await pgh.resume()
    }
    const rows = await withClient(pgh.url, (c) => c.query('SELECT 1 AS ok'))
    expect(rows.rows[0]).toEqual({ ok: 1 })
  })

  test('pause() also freezes connections opened before it, and resume() lets them finish', async () => {
    // Backends are outside the postmaster's process group (setsid): stopping the group alone
    // would leave an open connection answering as if nothing had happened.
    await withClient(pgh.url, async (c) => {
      await c.query('SELECT 1')
      await pgh.pause()
      const pending = c.query<{ ok: number }>('SELECT 1 AS ok')
      try {
        const early = await Promise.race([pending.then(() => 'answered'), sleep(800)])
        expect(early).toBeUndefined()
      } finally {
        await pgh.resume()
      }
      expect((await pending).rows[0]).toEqual({ ok: 1 })
    })
  })

  test('kill() drops connections and restart() brings the same port and data back', async () => {
    await withClient(pgh.url, (c) =>
      c.query('CREATE TABLE survivors (id int); INSERT INTO survivors VALUES (7)'),
    )
    await pgh.kill()
    await expect(withClient(pgh.url, (c) => c.query('SELECT 1'), 1_000)).rejects.toThrow()
    await expect(pgh.replicaLagBytes()).rejects.toMatchObject({
      code: 'E_INFRA_UNAVAILABLE',
      retryable: true,
      context: { host: `127.0.0.1:${pgh.port}` },
    })
    await pgh.restart()
    expect(await count(pgh.url, 'survivors')).toBe(1)
    await pgh.restart()
    expect(await count(pgh.url, 'survivors')).toBe(1)
  })

  test('kill() takes down a backend busy in a query, so restart() right after it starts', async () => {
    // Backends leave the postmaster's process group (setsid), and one busy in a query only
    // notices the postmaster's death when the query ends: it would hold the shared memory, and
    // the restart would fail with "pre-existing shared memory block ... is still in use".
    const busy = withClient(pgh.url, (c) =>
      c.query('SELECT count(*) FROM generate_series(1, 2000000000)'),
    ).catch((err: unknown) => err)
    await until('the query is running in its backend', async () => {
      const rows = await withClient(pgh.url, (c) =>
        c.query(
          "SELECT 1 FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%generate_series(1, 2000000000)%' AND pid <> pg_backend_pid()",
        ),
      )
      return rows.rowCount === 1
    })
    await pgh.kill()
    await pgh.restart()
    expect(await count(pgh.url, 'survivors')).toBe(1)
    expect(await busy).toBeInstanceOf(Error)
  })
})
