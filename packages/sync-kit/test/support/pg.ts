import type pg from 'pg'
import { appendEvents, type NewEvent } from '@faultline/sync-kit'

/** Runs `fn` in a transaction on a pooled client, committing unless it throws. */
export async function inTx<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect()
  const swallow = () => undefined // a server restart errors the checked-out client too
  c.on('error', swallow)
  try {
    await c.query('BEGIN')
    const out = await fn(c)
    await c.query('COMMIT')
    return out
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined)
    throw err
  } finally {
    c.off('error', swallow)
    c.release()
  }
}

/** One event for aggregate `agg` of type `t`. */
export function ev(agg: string, n: number, type = 'order'): NewEvent {
  return { aggregateType: type, aggregateId: agg, type: `${type}.changed`, payload: { n } }
}

/** Commits `txCount` transactions of `perTx` events spread over `aggregates` aggregates. */
export async function writeLoad(
  pool: pg.Pool,
  txCount: number,
  perTx: number,
  aggregates: number,
  offset = 0,
): Promise<number> {
  let n = 0
  for (let t = 0; t < txCount; t++) {
    await inTx(pool, (c) =>
      appendEvents(
        c,
        Array.from({ length: perTx }, (_, i) =>
          ev(`a${(offset + t * perTx + i) % aggregates}`, n++),
        ),
      ),
    )
  }
  return n
}

/**
 * Polls `check` every 50 ms until it returns true; past `timeoutMs` it throws, naming `what` it
 * waited for.
 */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
  what = 'the condition',
) {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
}

/** Every outbox row's id and per-aggregate position, in commit order of the sequence. */
export async function outboxRows(pool: pg.Pool) {
  const r = await pool.query<{ id: string; aggregateid: string; sequence: string }>(
    'SELECT id, aggregateid, sequence::text FROM sync_outbox ORDER BY position',
  )
  return r.rows.map((x) => ({ id: x.id, aggregateId: x.aggregateid, sequence: Number(x.sequence) }))
}
