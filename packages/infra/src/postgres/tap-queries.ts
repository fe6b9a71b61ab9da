import type pg from 'pg'

/**
 * Calls `listener` with the text of every query that a client checked out of `pool` sends from
 * now on (one call per `client.query`, i.e. per round trip). Tests and benchmarks count round
 * trips, statements and COMMITs with it; it forwards every query unchanged.
 */
export function tapQueries(pool: pg.Pool, listener: (text: string) => void): void {
  const wired = new WeakSet<pg.PoolClient>()
  pool.on('acquire', (client) => {
    if (wired.has(client)) return
    wired.add(client)
    const query = client.query.bind(client) as (...args: unknown[]) => unknown
    ;(client as { query: unknown }).query = (...args: unknown[]): unknown => {
      const first = args[0]
      listener(typeof first === 'string' ? first : ((first as { text?: string }).text ?? ''))
      return query(...args)
    }
  })
}
