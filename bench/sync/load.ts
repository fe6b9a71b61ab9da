import type pg from 'pg'
import { appendEvents, type NewEvent } from '@faultline/sync-kit'

const event = (i: number, aggregates: number): NewEvent => ({
  aggregateType: 'bench',
  aggregateId: `agg-${i % aggregates}`,
  type: 'bench.happened',
  payload: { i, note: 'a small payload of typical size for a domain event' },
})

async function oneTx(pool: pg.Pool, first: number, perTx: number, aggregates: number) {
  const c = await pool.connect()
  try {
    await c.query('BEGIN')
    await appendEvents(
      c,
      Array.from({ length: perTx }, (_, k) => event(first + k, aggregates)),
    )
    await c.query('COMMIT')
  } finally {
    c.release()
  }
}

/** Commits `total` events, `perTx` per transaction, as fast as `workers` connections allow. */
export async function prefill(pool: pg.Pool, total: number, perTx: number, workers = 4) {
  let next = 0
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < total) {
        const first = next
        next += perTx
        await oneTx(pool, first, perTx, 10_000)
      }
    }),
  )
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
    const p = oneTx(pool, issued * perTx, perTx, 10_000).finally(() => {
      inFlight--
      void pending.splice(pending.indexOf(p), 1)
    })
    pending.push(p)
    issued++
  }
  await Promise.all(pending)
  return { events: issued * perTx, seconds: (performance.now() - start) / 1000 }
}
