import type pg from 'pg'
import { describe, expect, expectTypeOf, test } from 'vitest'
import type {
  ReplicaRouter,
  ReplicaRouterOptions,
  SqlClient,
  SqlSession,
} from '@faultline/cache-kit/postgres'
import { createReplicaRouter } from '@faultline/cache-kit/postgres'
import { FakeCluster } from './fixtures/fake-cluster.js'

/** What `write()` hands to its callback. */
type WriteTx = Parameters<Parameters<ReplicaRouter['write']>[0]>[0]

/**
 * sync-kit's `appendEvents(tx, …)` parameter type as sync-kit declares it (sync-kit is not a
 * dependency of cache-kit, so its shape is restated here; both are `SqlClient` from common).
 */
interface SyncKitSqlExecutor {
  query<R extends object = Record<string, unknown>>(
    text: string,
    values?: readonly unknown[],
  ): Promise<{ rows: R[]; rowCount: number | null }>
}

/** Stands in for any kit function that writes through a `SqlClient` in the caller's transaction. */
async function appendRow(tx: SqlClient, id: string): Promise<number | null> {
  return (await tx.query('INSERT INTO outbox (id) VALUES ($1)', [id])).rowCount
}

describe('ReplicaRouter SQL types', () => {
  test("write()'s transaction is a SqlClient, so another kit's writes join it with no cast", async () => {
    expectTypeOf<WriteTx>().toExtend<SqlClient>()
    expectTypeOf<WriteTx>().toExtend<SyncKitSqlExecutor>()
    const cluster = new FakeCluster()
    const router = createReplicaRouter({ primary: cluster.primary, replica: cluster.replica })
    const statements: string[] = []
    const { result } = await router.write(async (tx) => {
      statements.push('work')
      await tx.query('UPDATE items SET version = $2 WHERE id = $1', ['a', 1])
      return 'written'
    })
    expect(result).toBe('written')
    expect(statements).toStrictEqual(['work'])
    // Compile-time: a function typed on SqlClient accepts the tx as it is.
    const typed: (tx: WriteTx) => Promise<number | null> = (tx) => appendRow(tx, 'e1')
    expect(typeof typed).toBe('function')
  })

  test("pg's Pool fits primary and replica, pg's Client fits replica, PoolClient is a SqlSession", () => {
    expectTypeOf<pg.Pool>().toExtend<ReplicaRouterOptions['primary']>()
    expectTypeOf<pg.Pool>().toExtend<ReplicaRouterOptions['replica']>()
    expectTypeOf<pg.Client>().toExtend<ReplicaRouterOptions['replica']>()
    expectTypeOf<pg.PoolClient>().toExtend<ReplicaRouterOptions['replica']>()
    expectTypeOf<pg.PoolClient>().toExtend<SqlSession>()
    expectTypeOf<pg.PoolClient>().toExtend<WriteTx>()
  })
})
