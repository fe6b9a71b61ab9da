import pg from 'pg'
import { startPostgres, type PostgresHandle } from '@faultline/infra'
import { migrateSagaKit, type Clock } from '@faultline/saga-kit'

/** A clock tests move by hand. */
export class FakeClock implements Clock {
  #nowMs: number

  constructor(startMs = 1_700_000_000_000) {
    this.#nowMs = startMs
  }

  now(): number {
    return this.#nowMs
  }

  advance(ms: number): void {
    this.#nowMs += ms
  }
}

/** A real Postgres for one test file, with the saga schema migrated in a fresh database. */
export interface TestDb {
  readonly pg: PostgresHandle
  readonly pool: pg.Pool
  /** A fresh migrated database on the same server. */
  fresh(name: string): Promise<pg.Pool>
  stop(): Promise<void>
}

/** Starts Postgres via `@faultline/infra` and migrates the saga schema. */
export async function startTestDb(): Promise<TestDb> {
  const server = await startPostgres({ log: () => {} })
  const pools: pg.Pool[] = []
  const fresh = async (name: string): Promise<pg.Pool> => {
    const { url } = await server.createDatabase(name)
    const pool = new pg.Pool({ connectionString: url, max: 20 })
    pool.on('error', () => {}) // idle clients die when the server stops at the end of a file
    pools.push(pool)
    await migrateSagaKit(pool)
    return pool
  }
  const pool = await fresh('saga_main')
  return {
    pg: server,
    pool,
    fresh,
    async stop() {
      await Promise.all(pools.map((each) => each.end()))
      await server.stop()
    },
  }
}

/** Polls `check` every 20 ms until it returns true, or throws after `timeoutMs`. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error(`condition not met within ${timeoutMs} ms`)
}

/** Counts rows of a query's first column. */
export async function count(pool: pg.Pool, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(sql, params)
  return Number(rows[0]?.n ?? 0)
}
