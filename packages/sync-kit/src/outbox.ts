import pg from 'pg'
import type { EventEnvelope } from './envelope.js'
import { SyncKitError, describeError, isSyncKitError } from './errors.js'
import { KAFKA_DEFAULT_MAX_MESSAGE_BYTES } from './message-size.js'
import {
  minimumMessageBytes,
  prepareEvent,
  type NewEvent,
  type PreparedEvent,
} from './outbox-input.js'
import { systemClock, type Clock, type SqlClient } from './ports.js'
import { asSchemaMissing } from './schema.js'

/** Options for {@link appendEvents}. */
export interface AppendOptions {
  /** Time source for `occurredAt` and ids. @default systemClock */
  clock?: Clock
  /**
   * The largest message the broker takes on the events' topics, in bytes: Kafka's
   * `max.message.bytes` of the topic (by default the broker's `message.max.bytes`). An event whose
   * message cannot fit is refused here, with `E_SYNC_MESSAGE_TOO_LARGE`, instead of reaching a
   * relay that can never publish it. Pass the raised limit when you raise the broker's, or
   * `Infinity` to check nothing (e.g. for RabbitMQ, whose default limit is far larger).
   * @default 1_048_588 (Kafka's default)
   */
  maxMessageBytes?: number
}

const keyOf = (e: { aggregateType: string; aggregateId: string }): string =>
  JSON.stringify([e.aggregateType, e.aggregateId])

/** Per event: its 1-based place among its aggregate's events in this call, and their count. */
function placesInAggregate(prepared: readonly PreparedEvent[]) {
  const counts = new Map<string, number>()
  const places = prepared.map((p) => {
    const k = keyOf(p.envelope)
    const n = (counts.get(k) ?? 0) + 1
    counts.set(k, n)
    return { k, n }
  })
  return { places: places.map((x) => x.n), counts: places.map((x) => counts.get(x.k) ?? 1) }
}

/**
 * The one statement that appends a batch: it reserves each aggregate's sequence numbers and
 * inserts the rows, so a call costs one round trip whatever the number of aggregates.
 *
 * - The upsert's row lock on `sync_outbox_sequence` is held until the caller commits, so a
 *   concurrent writer of the same aggregate waits and then takes the next numbers: sequences are
 *   gap-free and commit in order.
 * - The upsert visits aggregates sorted by byte order (`COLLATE "C"`), so two calls touching the
 *   same aggregates lock them in the same order and cannot deadlock each other.
 * - Rows are inserted in input order, so `position` keeps the caller's order within the call.
 */
const APPEND_SQL = `WITH s AS (
       INSERT INTO sync_outbox_sequence AS s (aggregatetype, aggregateid, last_sequence)
       SELECT a.t, a.i, count(*) FROM unnest($2::text[], $3::text[]) AS a(t, i)
        GROUP BY a.t, a.i
        ORDER BY a.t COLLATE "C", a.i COLLATE "C"
       ON CONFLICT (aggregatetype, aggregateid)
       DO UPDATE SET last_sequence = s.last_sequence + EXCLUDED.last_sequence
       RETURNING aggregatetype, aggregateid, last_sequence)
     INSERT INTO sync_outbox
       (id, aggregatetype, aggregateid, type, version, sequence, payload, headers, occurred_at)
     SELECT u.id, u.t, u.i, u.type, u.version, s.last_sequence - u.cnt + u.place, u.payload,
            u.headers, u.occurred_at
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::int[], $6::jsonb[],
                   $7::jsonb[], $8::timestamptz[], $9::int[], $10::int[]) WITH ORDINALITY
              AS u(id, t, i, type, version, payload, headers, occurred_at, place, cnt, n)
       JOIN s ON s.aggregatetype = u.t AND s.aggregateid = u.i
      ORDER BY u.n
     RETURNING position::text, sequence::text`

/** The parameters of {@link APPEND_SQL}: one array per column, in input order. */
function appendValues(prepared: readonly PreparedEvent[]): (string | number)[][] {
  const rows = prepared.map((p) => p.envelope)
  const { places, counts } = placesInAggregate(prepared)
  return [
    rows.map((e) => e.id),
    rows.map((e) => e.aggregateType),
    rows.map((e) => e.aggregateId),
    rows.map((e) => e.type),
    rows.map((e) => e.schemaVersion),
    prepared.map((p) => p.payloadJson),
    prepared.map((p) => p.headersJson),
    rows.map((e) => e.occurredAt),
    places,
    counts,
  ]
}

/** Runs {@link APPEND_SQL}; returns each event's sequence number, in input order. */
async function insertWithSequences(
  tx: SqlClient,
  prepared: readonly PreparedEvent[],
): Promise<number[]> {
  const r = await tx.query<{ position: string; sequence: string }>(
    APPEND_SQL,
    appendValues(prepared),
  )
  // Identity values follow insertion order, which is input order (ORDER BY u.n).
  const stored = r.rows
    .map((row) => ({ position: BigInt(row.position), sequence: Number(row.sequence) }))
    .sort((a, b) => (a.position < b.position ? -1 : 1))
  if (stored.length !== prepared.length) {
    throw new Error(`stored ${stored.length} of ${prepared.length} events`)
  }
  return stored.map((x) => x.sequence)
}

/** A string or number array as an SQL literal (`ARRAY['a','b']`), escaped by pg. */
function arrayLiteral(values: readonly (string | number)[]): string {
  const items = values.map((v) => (typeof v === 'number' ? String(v) : pg.escapeLiteral(v)))
  return `ARRAY[${items.join(',')}]`
}

/** What {@link appendEventsStatement} returns. */
export interface AppendStatement {
  /** One SQL statement, values written as escaped literals. */
  readonly text: string
  /** The events as they will be stored; `sequence` is set by the database when `text` runs. */
  readonly envelopes: readonly Omit<EventEnvelope, 'sequence'>[]
}

/**
 * The statement {@link appendEvents} runs, with its values written as SQL literals, for a caller
 * that sends it with other statements in one round trip of the simple query protocol (which
 * takes several statements where a parameterised query takes one). It must run inside the
 * caller's transaction, like `appendEvents`; the same guarantees hold.
 *
 * Invalid input throws `E_SYNC_INVALID_EVENT`, as `appendEvents` does, before any SQL exists.
 */
export function appendEventsStatement(
  events: readonly NewEvent<unknown>[],
  options: AppendOptions = {},
): AppendStatement {
  const prepared = prepareAll(events, options)
  if (prepared.length === 0) return { text: 'SELECT 1', envelopes: [] }
  const values = appendValues(prepared)
  const text = APPEND_SQL.replace(/\$(\d+)/g, (_, n: string) =>
    arrayLiteral(values[Number(n) - 1]!),
  )
  return { text, envelopes: prepared.map((p) => p.envelope) }
}

function prepareAll(events: readonly NewEvent<unknown>[], options: AppendOptions): PreparedEvent[] {
  const list: unknown = events
  if (!Array.isArray(list)) {
    throw new SyncKitError('E_SYNC_INVALID_EVENT', 'appendEvents() expects an array of events')
  }
  const now = (options.clock ?? systemClock).now()
  const limit = options.maxMessageBytes ?? KAFKA_DEFAULT_MAX_MESSAGE_BYTES
  checkLimit(limit)
  return events.map((e, i) => checkSize(prepareEvent(e, i, now), i, limit))
}

function checkLimit(limit: number): void {
  if (typeof limit === 'number' && limit > 0) return
  throw new SyncKitError(
    'E_SYNC_INVALID_OPTION',
    `maxMessageBytes must be a number > 0 (or Infinity), got ${String(limit)}`,
    { context: { field: 'maxMessageBytes' } },
  )
}

/** Refuses an event whose message is larger than `limit` even at its most compact. */
function checkSize(prepared: PreparedEvent, index: number, limit: number): PreparedEvent {
  if (limit === Infinity) return prepared
  const bytes = minimumMessageBytes(prepared)
  if (bytes <= limit) return prepared
  const { aggregateType, aggregateId, type } = prepared.envelope
  throw new SyncKitError(
    'E_SYNC_MESSAGE_TOO_LARGE',
    `event #${index} (${type} of ${aggregateType} ${aggregateId}) takes at least ${bytes} bytes ` +
      `as a message, more than maxMessageBytes (${limit}${limit === KAFKA_DEFAULT_MAX_MESSAGE_BYTES ? ", Kafka's default" : ''}), ` +
      'so no relay could ever publish it. Keep large data out of events (store it and send a ' +
      "reference), or raise the broker's message.max.bytes or the topic's max.message.bytes and " +
      'pass the new limit as appendEvents(tx, events, { maxMessageBytes })',
    { context: { index, field: 'payload', aggregateType, aggregateId, bytes, limitBytes: limit } },
  )
}

/**
 * Writes events into the outbox inside the caller's transaction (`tx` must be in `BEGIN`), so
 * the events commit or roll back with the business change. Returns the stored envelopes with
 * their sequence numbers, in input order.
 *
 * Invalid input (no aggregateId or type, a payload JSON cannot carry) throws
 * `E_SYNC_INVALID_EVENT`, and an event larger than `maxMessageBytes` allows throws
 * `E_SYNC_MESSAGE_TOO_LARGE`, before any SQL runs; a database without sync-kit's tables throws
 * `E_SYNC_SCHEMA_MISSING` (run `migrateSyncKit()`; not retryable), any other database failure
 * `E_SYNC_DATABASE`.
 * Either way the transaction is left as it is for the caller to roll back.
 */
export async function appendEvents(
  tx: SqlClient,
  events: readonly NewEvent<unknown>[],
  options: AppendOptions = {},
): Promise<EventEnvelope[]> {
  const prepared = prepareAll(events, options)
  if (prepared.length === 0) return []
  try {
    const sequences = await insertWithSequences(tx, prepared)
    return prepared.map((p, i) => ({ ...p.envelope, sequence: sequences[i] ?? 0 }))
  } catch (err) {
    if (isSyncKitError(err)) throw err
    const missing = asSchemaMissing(err, 'appendEvents()')
    if (missing !== undefined) throw missing
    throw new SyncKitError('E_SYNC_DATABASE', `appendEvents() failed: ${describeError(err)}`, {
      cause: err,
      retryable: true,
    })
  }
}
