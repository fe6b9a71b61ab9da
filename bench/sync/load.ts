import type pg from 'pg'
import { appendEvents, type NewEvent } from '@faultline/sync-kit'
import { runInWorker } from './worker.js'
import type { WriterTask } from './writer-worker.js'

/** The aggregates of one load; a step gets its own so a fresh read model starts at sequence 1. */
export interface Aggregates {
  readonly count: number
  readonly prefix: string
}

const event = (i: number, aggregates: Aggregates): NewEvent => ({
  aggregateType: 'bench',
  aggregateId: `${aggregates.prefix}agg-${i % aggregates.count}`,
  type: 'bench.happened',
  payload: { i, note: 'a small payload of typical size for a domain event' },
})

/**
 * One transaction of `perTx` events. BEGIN, the append (one statement) and COMMIT go out
 * together on a pipelined connection (see writer-worker.ts): one round trip instead of three, so
 * two writer threads can offer the rates the benchmark asks for on two cores. A failed append
 * turns the COMMIT into a rollback, and the append's error is thrown.
 */
async function oneTx(pool: pg.Pool, first: number, perTx: number, aggregates: Aggregates) {
  const c = await pool.connect()
  try {
    const events = Array.from({ length: perTx }, (_, k) => event(first + k, aggregates))
    await Promise.all([c.query('BEGIN'), appendEvents(c, events), c.query('COMMIT')])
  } finally {
    c.release()
  }
}

/**
 * Commits `total` events, `perTx` per transaction, as fast as `workers` connections allow.
 * Event numbers start at `first`, so several writers can share the aggregates without clashing.
 */
export async function prefill(
  pool: pg.Pool,
  total: number,
  perTx: number,
  workers = 4,
  first = 0,
  aggregates: Aggregates = { count: 10_000, prefix: '' },
) {
  const started = performance.now()
  let next = 0
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < total) {
        const at = next
        next += perTx
        await oneTx(pool, first + at, perTx, aggregates)
      }
    }),
  )
  return { events: total, seconds: (performance.now() - started) / 1000 }
}

/**
 * Open-model load: a transaction is due every `perTx / rate` seconds, whether or not earlier ones
 * finished (up to `workers` in flight). Returns the events committed and the seconds it took.
 */
export async function paced(
  pool: pg.Pool,
  rate: number,
  seconds: number,
  perTx: number,
  workers = 32,
  first = 0,
  aggregates: Aggregates = { count: 10_000, prefix: '' },
) {
  const intervalMs = (1000 * perTx) / rate
  const start = performance.now()
  const due = Math.floor((seconds * 1000) / intervalMs)
  let issued = 0
  let inFlight = 0
  const pending: Promise<void>[] = []
  while (issued < due) {
    const at = start + issued * intervalMs
    const wait = at - performance.now()
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    if (inFlight >= workers) {
      await Promise.race(pending)
      continue
    }
    inFlight++
    const p = oneTx(pool, first + issued * perTx, perTx, aggregates).finally(() => {
      inFlight--
      void pending.splice(pending.indexOf(p), 1)
    })
    pending.push(p)
    issued++
  }
  await Promise.all(pending)
  return { events: issued * perTx, seconds: (performance.now() - start) / 1000 }
}

/**
 * Runs a writer task split over `threads` worker threads (each takes 1/threads of the events or
 * of the rate). Returns all events committed and the slowest thread's seconds, measured inside
 * the threads so thread start-up is not counted.
 */
export async function writeInThreads(
  task: DistributiveOmit<WriterTask, 'first'>,
  threads: number,
): Promise<{ events: number; seconds: number }> {
  const parts = await Promise.all(
    Array.from({ length: threads }, (_, t) => {
      const first = t * 1_000_000_000
      const part: WriterTask =
        task.kind === 'prefill'
          ? { ...task, total: Math.ceil(task.total / threads / task.perTx) * task.perTx, first }
          : { ...task, rate: task.rate / threads, first }
      return runInWorker<{ events: number; seconds: number }>('./writer-worker.ts', part)
    }),
  )
  const events = parts.reduce((n, p) => n + p.events, 0)
  return { events, seconds: Math.max(...parts.map((p) => p.seconds)) }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never
