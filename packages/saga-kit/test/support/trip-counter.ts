import type pg from 'pg'
import { tapQueries } from '@faultline/infra'

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
  tapQueries(pool, (text) => {
    if (!counter.on) return
    counter.trips++
    counter.commits += text.match(/^COMMIT\b/gm)?.length ?? 0
    counter.texts.push(text)
  })
  return counter
}
