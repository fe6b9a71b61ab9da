/**
 * Counts what a pool's connections send to Postgres: round trips (client.query calls), SQL
 * statements (a simple-protocol query may carry several) and COMMITs, plus round trips by the
 * shape of their text, to see where they come from.
 */
import type pg from 'pg'
import { tapQueries } from '@faultline/infra'

/** The statements of one query text: `;` outside single-quoted literals ends one. */
export function statements(text: string): string[] {
  const out: string[] = []
  let quoted = false
  let current = ''
  for (const ch of text) {
    if (ch === "'") quoted = !quoted
    if (ch === ';' && !quoted) {
      out.push(current)
      current = ''
    } else current += ch
  }
  return [...out, current].map((s) => s.trim()).filter((s) => s.length > 0)
}

/** Running totals of one or more wired pools. */
export interface PgCounts {
  /** Counting is off while false (the wrapper then only forwards). */
  on: boolean
  trips: number
  statements: number
  commits: number
  /** Round trips whose text contains ` effect ` (a bench's business writes). */
  effectTrips: number
  /** Round trips by shape: the first 60 characters of their first statements. */
  readonly shapes: Map<string, number>
}

export const newCounts = (): PgCounts => ({
  on: true,
  trips: 0,
  statements: 0,
  commits: 0,
  effectTrips: 0,
  shapes: new Map(),
})

const shapeOf = (parts: readonly string[]): string =>
  parts
    .map((p) => p.replace(/\s+/g, ' ').slice(0, 60))
    .slice(0, 4)
    .join(' ; ')
    .replace(/'[^']*'/g, "'…'")

/** Counts, into `counts`, every query a client checked out of `pool` sends from now on. */
export function wirePool(pool: pg.Pool, counts: PgCounts): void {
  tapQueries(pool, (text) => {
    if (!counts.on) return
    const parts = statements(text)
    counts.trips++
    counts.statements += parts.length
    counts.commits += parts.filter((p) => /^COMMIT\b/i.test(p)).length
    if (text.includes(' effect ')) counts.effectTrips++
    const shape = shapeOf(parts)
    counts.shapes.set(shape, (counts.shapes.get(shape) ?? 0) + 1)
  })
}

/** A copy of `counts`, to diff later. */
export const snapshotCounts = (c: PgCounts): PgCounts => ({ ...c, shapes: new Map(c.shapes) })
