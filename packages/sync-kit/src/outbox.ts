import type { EventEnvelope } from './envelope.js'
import { SyncKitError, describeError, isSyncKitError } from './errors.js'
import { prepareEvent, type NewEvent, type PreparedEvent } from './outbox-input.js'
import { systemClock, type Clock, type SqlExecutor } from './ports.js'

/** Options for {@link appendEvents}. */
export interface AppendOptions {
  /** Time source for `occurredAt` and ids. @default systemClock */
  clock?: Clock
}

const keyOf = (e: { aggregateType: string; aggregateId: string }): string =>
  JSON.stringify([e.aggregateType, e.aggregateId])

/**
 * Reserves `count` sequence numbers per aggregate. The upsert's row lock is held until the
 * caller commits, so a concurrent writer of the same aggregate waits and then takes the next
 * numbers: sequences are gap-free and commit in order. Aggregates are locked in sorted order so
 * two batches touching the same aggregates cannot deadlock each other.
 */
async function reserveSequences(
  tx: SqlExecutor,
  prepared: readonly PreparedEvent[],
): Promise<Map<string, number>> {
  const counts = new Map<string, { type: string; id: string; n: number }>()
  for (const p of prepared) {
    const k = keyOf(p.envelope)
    const c = counts.get(k) ?? { type: p.envelope.aggregateType, id: p.envelope.aggregateId, n: 0 }
    c.n++
    counts.set(k, c)
  }
  const next = new Map<string, number>()
  for (const [k, c] of [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const r = await tx.query<{ last: string }>(
      `INSERT INTO sync_outbox_sequence AS s (aggregatetype, aggregateid, last_sequence)
       VALUES ($1, $2, $3)
       ON CONFLICT (aggregatetype, aggregateid)
       DO UPDATE SET last_sequence = s.last_sequence + EXCLUDED.last_sequence
       RETURNING last_sequence::text AS last`,
      [c.type, c.id, c.n],
    )
    next.set(k, Number(r.rows[0]?.last ?? c.n) - c.n + 1)
  }
  return next
}

/**
 * The common case, every event of one aggregate (a saga message, one entity's change): the
 * sequence upsert and the insert as one statement, one round trip instead of two. The upsert in
 * the CTE takes the same row lock and returns the same numbers as {@link reserveSequences}.
 * Returns the first reserved sequence number.
 */
async function insertOneAggregate(tx: SqlExecutor, prepared: readonly PreparedEvent[]) {
  const rows = prepared.map((p) => p.envelope)
  const first = rows[0] as EventEnvelope
  const r = await tx.query<{ sequence: string }>(
    `WITH s AS (
       INSERT INTO sync_outbox_sequence AS s (aggregatetype, aggregateid, last_sequence)
       VALUES ($2, $3, $9)
       ON CONFLICT (aggregatetype, aggregateid)
       DO UPDATE SET last_sequence = s.last_sequence + EXCLUDED.last_sequence
       RETURNING last_sequence)
     INSERT INTO sync_outbox
       (id, aggregatetype, aggregateid, type, version, sequence, payload, headers, occurred_at)
     SELECT u.id, $2, $3, u.type, u.version, s.last_sequence - $9 + u.n, u.payload, u.headers,
            u.occurred_at
     FROM s, unnest($1::uuid[], $4::text[], $5::int[], $6::jsonb[], $7::jsonb[],
                    $8::timestamptz[]) WITH ORDINALITY
            AS u(id, type, version, payload, headers, occurred_at, n)
     ORDER BY u.n
     RETURNING sequence::text AS sequence`,
    [
      rows.map((e) => e.id),
      first.aggregateType,
      first.aggregateId,
      rows.map((e) => e.type),
      rows.map((e) => e.version),
      prepared.map((p) => p.payloadJson),
      prepared.map((p) => p.headersJson),
      rows.map((e) => e.occurredAt),
      rows.length,
    ],
  )
  // Not Math.min(...rows): a large batch would overflow the argument list.
  return r.rows.reduce((min, row) => Math.min(min, Number(row.sequence)), Infinity)
}

async function insertRows(tx: SqlExecutor, rows: readonly EventEnvelope[], json: PreparedEvent[]) {
  await tx.query(
    `INSERT INTO sync_outbox
       (id, aggregatetype, aggregateid, type, version, sequence, payload, headers, occurred_at)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::int[], $6::bigint[],
                          $7::jsonb[], $8::jsonb[], $9::timestamptz[])`,
    [
      rows.map((r) => r.id),
      rows.map((r) => r.aggregateType),
      rows.map((r) => r.aggregateId),
      rows.map((r) => r.type),
      rows.map((r) => r.version),
      rows.map((r) => r.sequence),
      json.map((j) => j.payloadJson),
      json.map((j) => j.headersJson),
      rows.map((r) => r.occurredAt),
    ],
  )
}

/**
 * Writes events into the outbox inside the caller's transaction (`tx` must be in `BEGIN`), so
 * the events commit or roll back with the business change. Returns the stored envelopes with
 * their sequence numbers, in input order.
 *
 * Invalid input (no aggregateId or type, a payload JSON cannot carry) throws
 * `E_SYNC_INVALID_EVENT` before any SQL runs; a database failure throws `E_SYNC_DATABASE`.
 * Either way the transaction is left as it is for the caller to roll back.
 */
export async function appendEvents(
  tx: SqlExecutor,
  events: readonly NewEvent<unknown>[],
  options: AppendOptions = {},
): Promise<EventEnvelope[]> {
  const list: unknown = events
  if (!Array.isArray(list)) {
    throw new SyncKitError('E_SYNC_INVALID_EVENT', 'appendEvents() expects an array of events')
  }
  const now = (options.clock ?? systemClock).now()
  const prepared = events.map((e, i) => prepareEvent(e, i, now))
  if (prepared.length === 0) return []
  try {
    const k0 = keyOf(prepared[0]!.envelope)
    if (prepared.every((p) => keyOf(p.envelope) === k0)) {
      const first = await insertOneAggregate(tx, prepared)
      return prepared.map((p, i) => ({ ...p.envelope, sequence: first + i }))
    }
    const next = await reserveSequences(tx, prepared)
    const rows = prepared.map((p) => {
      const k = keyOf(p.envelope)
      const sequence = next.get(k) ?? 1
      next.set(k, sequence + 1)
      return { ...p.envelope, sequence }
    })
    await insertRows(tx, rows, prepared)
    return rows
  } catch (err) {
    if (isSyncKitError(err)) throw err
    throw new SyncKitError('E_SYNC_DATABASE', `appendEvents() failed: ${describeError(err)}`, {
      cause: err,
      retryable: true,
    })
  }
}
