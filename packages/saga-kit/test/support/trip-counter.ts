import type pg from 'pg'

/** Round trips and COMMITs counted while `on`; `texts` keeps each counted query's text. */
export interface TripCounter {
  on: boolean
  trips: number
  commits: number
  readonly texts: string[]
}

/** Counts the queries (round trips) and COMMITs the pool's connections send while `on`. */
export function wireCounter(pool: pg.Pool): TripCounter {
  const counter: TripCounter = { on: false, trips: 0, commits: 0, texts: [] }
  const wired = new WeakSet<pg.PoolClient>()
  pool.on('acquire', (client) => {
    if (wired.has(client)) return
    wired.add(client)
    const query = client.query.bind(client) as (...args: unknown[]) => unknown
    ;(client as { query: unknown }).query = (...args: unknown[]): unknown => {
      const first = args[0]
      const text = typeof first === 'string' ? first : ((first as { text?: string }).text ?? '')
      if (counter.on) {
        counter.trips++
        counter.commits += text.match(/^COMMIT\b/gm)?.length ?? 0
        counter.texts.push(text)
      }
      return query(...args)
    }
  })
  return counter
}
