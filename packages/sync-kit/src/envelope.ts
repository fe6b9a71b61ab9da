import { SyncKitError } from './errors.js'
import { formatLsn, isLsn, type Lsn } from './lsn.js'
import { isUuid } from './uuidv7.js'

/** Any value that survives `JSON.stringify` → `JSON.parse` unchanged. */
export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }

/**
 * One domain event as it travels from the outbox to consumers. The JSON form of this object is
 * the message value on the wire; the broker key is `aggregateId`.
 */
export interface EventEnvelope<P = JsonValue> {
  /** UUIDv7, unique per event; consumers deduplicate on it. */
  readonly id: string
  /** The kind of aggregate, e.g. `order`; also the default topic suffix. */
  readonly aggregateType: string
  /** The aggregate's id; the partition key, so one aggregate's events stay in order. */
  readonly aggregateId: string
  /** The event name without version, e.g. `order.placed`. */
  readonly type: string
  /**
   * Schema version of `payload` (1, 2, ...); upcasters move old versions forward. Not the
   * aggregate's row version: that is {@link EventEnvelope.sequence}.
   */
  readonly schemaVersion: number
  /** Per-aggregate, gap-free, starting at 1, in commit order; consumers detect gaps with it. */
  readonly sequence: number
  readonly payload: P
  /** String headers; W3C `traceparent`/`tracestate` travel here. */
  readonly headers: Readonly<Record<string, string>>
  /** ISO-8601 time at which the event was appended. */
  readonly occurredAt: string
}

/** A broker-neutral message: what a publisher sends and a consumer receives. */
export interface WireMessage {
  readonly key: string
  readonly value: Buffer
  readonly headers: Readonly<Record<string, string>>
}

/** Header names the kit adds to every message, so routing needs no JSON parse. */
export const HEADER_EVENT_ID = 'fl-event-id'
/** Header holding `type@schemaVersion`. */
export const HEADER_EVENT_TYPE = 'fl-event-type'
/**
 * Header both relays put on every message: the commit LSN of the transaction that wrote the
 * event, as `X/Y` text. Relay A sends the end of the commit record (a replica whose replay LSN
 * has reached it sees the commit); relay B, which reads rows by polling, sends the WAL position
 * read together with the rows, which is at or past it. Either way it is an LSN at which the
 * event's transaction is visible, as cache-kit's `applyChange({ lsn })` expects.
 */
export const HEADER_COMMIT_LSN = 'fl-commit-lsn'
/** Header both relays put on every message: the event's `sequence`, its aggregate's version. */
export const HEADER_AGGREGATE_VERSION = 'fl-aggregate-version'

/**
 * An event as a consumer's handler receives it: the envelope, plus what the relay learned when
 * it published it.
 */
export interface ConsumedEvent<P = JsonValue> extends EventEnvelope<P> {
  /**
   * The commit LSN of the transaction that wrote the event, as `X/Y` text (the
   * `fl-commit-lsn` header); undefined for a message that did not come through a relay (e.g.
   * published by hand or by an older relay). Pass it on to cache-kit's `applyChange` with
   * `sequence` as the version.
   */
  readonly commitLsn?: Lsn
}

/** `order.placed` + 2 → `order.placed@2`. */
export function formatEventType(type: string, version: number): string {
  return `${type}@${version}`
}

/** `order.placed@2` → `{ type: 'order.placed', version: 2 }`; a bad string throws. */
export function parseEventType(text: string): { type: string; schemaVersion: number } {
  const at = text.lastIndexOf('@')
  const version = Number(text.slice(at + 1))
  if (at <= 0 || !Number.isInteger(version) || version < 1 || text.slice(at + 1) !== `${version}`) {
    throw new SyncKitError('E_SYNC_MALFORMED_MESSAGE', `"${text}" is not "type@version"`, {
      context: { field: 'type' },
    })
  }
  return { type: text.slice(0, at), schemaVersion: version }
}

/** The outcome of {@link validateEnvelope}: the envelope, or every reason it is not one. */
export type EnvelopeValidation =
  | { readonly ok: true; readonly envelope: EventEnvelope }
  | { readonly ok: false; readonly problems: readonly string[] }

/** A string with at least one character. */
export const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.length > 0
/** A safe integer >= 1 (versions and sequences). */
export const positiveInt = (v: unknown): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 1

function headerProblems(headers: unknown): string[] {
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) {
    return ['headers must be an object of strings']
  }
  return Object.entries(headers)
    .filter(([, v]) => typeof v !== 'string')
    .map(([k]) => `header "${k}" must be a string`)
}

/** Checks an unknown value field by field and names every problem, not only the first. */
export function validateEnvelope(value: unknown): EnvelopeValidation {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, problems: ['envelope must be a JSON object'] }
  }
  const v = value as Record<string, unknown>
  const problems: string[] = []
  if (!isUuid(v.id)) problems.push('id must be a UUID string')
  if (!nonEmpty(v.aggregateType)) problems.push('aggregateType must be a non-empty string')
  if (!nonEmpty(v.aggregateId)) problems.push('aggregateId must be a non-empty string')
  if (!nonEmpty(v.type)) problems.push('type must be a non-empty string')
  else if (v.type.includes('@'))
    problems.push('type must not contain "@" (schemaVersion is separate)')
  if (!positiveInt(v.schemaVersion)) problems.push('schemaVersion must be an integer >= 1')
  if (!positiveInt(v.sequence)) problems.push('sequence must be an integer >= 1')
  if (!('payload' in v) || v.payload === undefined) problems.push('payload is missing')
  problems.push(...headerProblems(v.headers))
  if (typeof v.occurredAt !== 'string' || Number.isNaN(Date.parse(v.occurredAt))) {
    problems.push('occurredAt must be an ISO-8601 date string')
  }
  if (problems.length > 0) return { ok: false, problems }
  return { ok: true, envelope: value as unknown as EventEnvelope }
}

/** Turns an envelope into a message: key = aggregateId, value = JSON, headers + id + type@version. */
export function encodeEnvelope(envelope: EventEnvelope | ConsumedEvent): WireMessage {
  // A consumed event's commitLsn travels in its header, not in the envelope JSON.
  const { commitLsn, ...fields } = envelope as ConsumedEvent
  return {
    key: envelope.aggregateId,
    value: Buffer.from(JSON.stringify(commitLsn === undefined ? envelope : fields)),
    headers: {
      ...envelope.headers,
      [HEADER_EVENT_ID]: envelope.id,
      [HEADER_EVENT_TYPE]: formatEventType(envelope.type, envelope.schemaVersion),
      ...(commitLsn === undefined ? {} : { [HEADER_COMMIT_LSN]: commitLsn }),
    },
  }
}

/**
 * The event a handler receives for a decoded envelope: with `commitLsn` from the message's
 * `fl-commit-lsn` header when it holds an LSN.
 */
export function toConsumedEvent(
  envelope: EventEnvelope,
  headers: Readonly<Record<string, string | undefined>>,
): ConsumedEvent {
  const lsn = headers[HEADER_COMMIT_LSN]
  return lsn !== undefined && isLsn(lsn) ? { ...envelope, commitLsn: formatLsn(lsn) } : envelope
}

/** Where a consumed message came from, so a decode error can name it. */
export interface MessageCoordinates {
  readonly topic?: string
  readonly partition?: number
  readonly offset?: string
}

/**
 * Parses and validates a message value. Throws `E_SYNC_MALFORMED_MESSAGE` whose message lists
 * every reason (not JSON, missing fields, ...) and whose context carries the coordinates.
 */
export function decodeEnvelope(
  value: Buffer | string | null | undefined,
  where: MessageCoordinates = {},
): EventEnvelope {
  const fail = (why: string, cause?: unknown): never => {
    throw new SyncKitError('E_SYNC_MALFORMED_MESSAGE', `malformed event message: ${why}`, {
      context: { ...where },
      cause,
    })
  }
  if (value === null || value === undefined) return fail('the message has no value')
  let parsed: unknown
  try {
    parsed = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'))
  } catch (err) {
    return fail('the value is not JSON', err)
  }
  const result = validateEnvelope(parsed)
  if (!result.ok) return fail(result.problems.join('; '))
  return result.envelope
}
