import { appendEventsStatement } from '@faultline/sync-kit'

/** One saga message as a sync-kit outbox event (version 1). */
export interface OutboxEvent {
  readonly aggregateType: string
  readonly aggregateId: string
  readonly type: string
  readonly payload: unknown
  readonly headers: Readonly<Record<string, string>>
}

/**
 * The SQL (literals only, for the simple query protocol) that appends `event` to sync-kit's
 * outbox exactly as `appendEvents(tx, [event])` would: sync-kit's own statement, a fresh UUIDv7
 * id, the aggregate's next sequence number. As text it can travel with the other writes of a
 * saga transaction in one round trip (see `ClientTx.defer`). An event sync-kit refuses throws
 * its `E_SYNC_INVALID_EVENT`, as `appendEvents` would.
 */
export function appendOneStatement(event: OutboxEvent, nowMs: number): string {
  return appendEventsStatement([event], { clock: { now: () => nowMs } }).text
}
