import type pg from 'pg'

/** p-quantile of a sample in ms. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
}

/** Throughput and latency of one run. */
export interface RunResult {
  readonly system: string
  readonly sagas: number
  readonly seconds: number
  readonly perSecond: number
  readonly p50Ms: number
  readonly p99Ms: number
  /** Rows inserted + updated + deleted in the database(s) the system writes, per saga. */
  readonly rowWritesPerSaga: number
  /** Committed transactions per saga. */
  readonly commitsPerSaga: number
}

/** Database-wide write counters (pg_stat_database), to diff around a run. */
export async function writeCounters(
  admin: pg.Pool,
  dbs: readonly string[],
): Promise<{ rows: number; commits: number }> {
  await admin.query('SELECT pg_stat_clear_snapshot()')
  const { rows } = await admin.query<{ rows: string; commits: string }>(
    `SELECT sum(tup_inserted + tup_updated + tup_deleted)::text AS rows, sum(xact_commit)::text AS commits
       FROM pg_stat_database WHERE datname = ANY($1)`,
    [dbs],
  )
  return { rows: Number(rows[0]?.rows ?? 0), commits: Number(rows[0]?.commits ?? 0) }
}

/** Runs `one(i)` for i < total with `concurrency` callers; returns per-call latencies (ms). */
export async function closedLoop(
  total: number,
  concurrency: number,
  one: (i: number) => Promise<void>,
): Promise<{ latencies: number[]; seconds: number }> {
  const latencies: number[] = []
  let next = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < total; i = next++) {
        const t = performance.now()
        await one(i)
        latencies.push(performance.now() - t)
      }
    }),
  )
  return {
    latencies: latencies.sort((a, b) => a - b),
    seconds: (performance.now() - started) / 1000,
  }
}

/** Waits until pg_stat_database has flushed (stats are sent asynchronously). */
export const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 1_200))
