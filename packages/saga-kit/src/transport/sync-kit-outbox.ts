import { uuidv7 } from '@faultline/sync-kit'
import { SagaKitError } from '../errors.js'
import { inline } from '../postgres/tx.js'

/** One saga message as a sync-kit outbox event (version 1). */
export interface OutboxEvent {
  readonly aggregateType: string
  readonly aggregateId: string
  readonly type: string
  readonly payload: unknown
  readonly headers: Readonly<Record<string, string>>
}

// The statement sync-kit's appendEvents() sends for the events of one aggregate, for one event
// and with literals: the sequence upsert takes the aggregate's sequence row lock (so writers of
// one aggregate commit in sequence order) and hands its number to the outbox row.
const APPEND_ONE = `WITH s AS (
       INSERT INTO sync_outbox_sequence AS s (aggregatetype, aggregateid, last_sequence)
       VALUES ($2, $3, 1)
       ON CONFLICT (aggregatetype, aggregateid)
       DO UPDATE SET last_sequence = s.last_sequence + 1
       RETURNING last_sequence)
     INSERT INTO sync_outbox
       (id, aggregatetype, aggregateid, type, version, sequence, payload, headers, occurred_at)
     SELECT $1::uuid, $2, $3, $4, 1, s.last_sequence, $5::jsonb, $6::jsonb, $7::timestamptz FROM s`

function json(value: unknown, field: string): string {
  const text = JSON.stringify(value)
  // jsonb refuses NUL: refuse it here, before the transaction is touched, as appendEvents does.
  if (text === undefined || text.includes('\\u0000')) {
    throw new SagaKitError(
      'E_SAGA_MALFORMED_MESSAGE',
      `A saga message's ${field} is not JSON that Postgres can store (undefined or a NUL character).`,
    )
  }
  return text
}

/**
 * The SQL (literals only, for the simple query protocol) that appends `event` to sync-kit's
 * outbox exactly as `appendEvents(tx, [event])` would: same columns, a fresh UUIDv7 id, the
 * aggregate's next sequence number. As text it can travel with the other writes of a saga
 * transaction in one round trip (see `ClientTx.defer`).
 */
export function appendOneStatement(event: OutboxEvent, nowMs: number): string {
  return inline(APPEND_ONE, [
    uuidv7(nowMs),
    event.aggregateType,
    event.aggregateId,
    event.type,
    json(event.payload, 'payload'),
    json(event.headers, 'headers'),
    new Date(nowMs).toISOString(),
  ])
}
