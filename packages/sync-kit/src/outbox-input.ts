import {
  HEADER_EVENT_ID,
  HEADER_EVENT_TYPE,
  type EventEnvelope,
  type JsonValue,
} from './envelope.js'
import { SyncKitError, describeError } from './errors.js'
import { recordBatchBytes } from './message-size.js'
import { isUuid, uuidv7 } from './uuidv7.js'

/** An event as a service hands it to `appendEvents`; the kit fills in the rest. */
export interface NewEvent<P = JsonValue> {
  readonly aggregateType: string
  readonly aggregateId: string
  /** Event name without version, e.g. `order.placed`. */
  readonly type: string
  /** Payload schema version. @default 1 */
  readonly schemaVersion?: number
  /** Must survive JSON serialisation (no BigInt, no cycles, no `\u0000`). */
  readonly payload: P
  /** Extra string headers, e.g. `traceparent`. @default {} */
  readonly headers?: Readonly<Record<string, string>>
  /** A caller-chosen UUID, for idempotent producers. @default a fresh UUIDv7 */
  readonly id?: string
  /** @default the clock's now */
  readonly occurredAt?: Date
}

/** A validated event with its JSON already rendered, ready for the INSERT. */
export interface PreparedEvent {
  readonly envelope: Omit<EventEnvelope, 'sequence'>
  readonly payloadJson: string
  readonly headersJson: string
}

function invalid(index: number, field: string, why: string, cause?: unknown): SyncKitError {
  return new SyncKitError('E_SYNC_INVALID_EVENT', `event #${index}: ${why}`, {
    context: { index, field },
    cause,
  })
}

function toJson(index: number, field: string, value: unknown): string {
  let text: string | undefined
  try {
    text = JSON.stringify(value)
  } catch (err) {
    throw invalid(index, field, `${field} cannot be serialized to JSON: ${describeError(err)}`, err)
  }
  if (text === undefined) throw invalid(index, field, `${field} is not a JSON value`)
  // jsonb refuses NUL; catching it here keeps the caller's transaction usable.
  if (text.includes('\\u0000')) throw invalid(index, field, `${field} contains a NUL character`)
  return text
}

const text = (v: unknown): v is string => typeof v === 'string' && v.length > 0

function checkHeaders(index: number, headers: unknown): Record<string, string> {
  if (headers === undefined) return {}
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) {
    throw invalid(index, 'headers', 'headers must be an object of strings')
  }
  for (const [k, v] of Object.entries(headers)) {
    if (typeof v !== 'string') throw invalid(index, 'headers', `header "${k}" must be a string`)
  }
  return headers as Record<string, string>
}

/** Validates one input event and renders its JSON, or throws `E_SYNC_INVALID_EVENT`. */
export function prepareEvent(
  event: NewEvent<unknown>,
  index: number,
  nowMs: number,
): PreparedEvent {
  if (typeof event !== 'object' || event === null) throw invalid(index, 'event', 'not an object')
  if (!text(event.aggregateType)) throw invalid(index, 'aggregateType', 'aggregateType is missing')
  if (!text(event.aggregateId)) throw invalid(index, 'aggregateId', 'aggregateId is missing')
  if (!text(event.type)) throw invalid(index, 'type', 'type is missing')
  if (event.type.includes('@')) throw invalid(index, 'type', 'type must not contain "@"')
  const schemaVersion = event.schemaVersion ?? 1
  if (!Number.isSafeInteger(schemaVersion) || schemaVersion < 1) {
    throw invalid(index, 'schemaVersion', 'schemaVersion must be an integer >= 1')
  }
  if (event.id !== undefined && !isUuid(event.id)) throw invalid(index, 'id', 'id is not a UUID')
  const occurred = event.occurredAt ?? new Date(nowMs)
  if (!(occurred instanceof Date) || Number.isNaN(occurred.getTime())) {
    throw invalid(index, 'occurredAt', 'occurredAt is not a valid Date')
  }
  const headers = checkHeaders(index, event.headers)
  const payloadJson = toJson(index, 'payload', event.payload)
  const envelope = {
    id: event.id ?? uuidv7(nowMs),
    aggregateType: event.aggregateType,
    aggregateId: event.aggregateId,
    type: event.type,
    schemaVersion,
    payload: JSON.parse(payloadJson) as JsonValue,
    headers,
    occurredAt: occurred.toISOString(),
  }
  return { envelope, payloadJson, headersJson: JSON.stringify(headers) }
}

/**
 * The fewest bytes the event's message can take on the wire: its record batch with the envelope
 * JSON as compact as `JSON.stringify` writes it and a one-digit sequence. (A relay sends the JSON
 * Postgres stored, which only adds spaces.) A message this size or larger cannot fit a smaller
 * limit whatever the relay does.
 */
export function minimumMessageBytes(prepared: PreparedEvent): number {
  const { envelope: e, payloadJson, headersJson } = prepared
  const head = JSON.stringify({
    id: e.id,
    aggregateType: e.aggregateType,
    aggregateId: e.aggregateId,
    type: e.type,
    schemaVersion: e.schemaVersion,
    sequence: 1,
  })
  const value =
    Buffer.byteLength(head) -
    1 +
    Buffer.byteLength(payloadJson) +
    Buffer.byteLength(headersJson) +
    Buffer.byteLength(`,"payload":,"headers":,"occurredAt":"${e.occurredAt}"}`)
  const headers = {
    ...e.headers,
    [HEADER_EVENT_ID]: e.id,
    [HEADER_EVENT_TYPE]: `${e.type}@${e.schemaVersion}`,
  }
  return recordBatchBytes(Buffer.byteLength(e.aggregateId), value, headers)
}
