import type pg from 'pg'
import { describe, expect, expectTypeOf, test } from 'vitest'
import type { SqlClient } from '../src/index.js'

describe('SqlClient', () => {
  test("pg's Pool, PoolClient and Client are SqlClients as they are", () => {
    expectTypeOf<pg.Pool>().toExtend<SqlClient>()
    expectTypeOf<pg.PoolClient>().toExtend<SqlClient>()
    expectTypeOf<pg.Client>().toExtend<SqlClient>()
  })

  test('a minimal object with query() is a SqlClient too', async () => {
    const fake: SqlClient = {
      query: <Row extends object>() => Promise.resolve({ rows: [] as Row[], rowCount: 0 }),
    }
    expect(await fake.query('SELECT 1')).toEqual({ rows: [], rowCount: 0 })
  })
})
