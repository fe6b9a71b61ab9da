import {
  HEADER_AGGREGATE_VERSION,
  HEADER_COMMIT_LSN,
  HEADER_EVENT_ID,
  HEADER_EVENT_TYPE,
  nonEmpty,
  positiveInt,
  type EventEnvelope,
  type JsonValue,
} from '../envelope.js'
import type { Lsn } from '../lsn.js'
import type { OutgoingMessage } from '../ports.js'
import { pgTimestampToCheckedIso, type OutboxRowText } from './row-envelope.js'

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({})

const UUID_OID = 2950
const JSON_OID = 114
const JSONB_OID = 3802

/**
 * Whether an outbox table's column types, given as type OIDs by column name, are the ones
 * {@link checkedRowToMessage} relies on: a uuid `id`, and json or jsonb `payload` and `headers`.
 */
export function hasCheckedTypes(oidOf: (column: string) => number | undefined): boolean {
  const json = (column: string) => oidOf(column) === JSON_OID || oidOf(column) === JSONB_OID
  return oidOf('id') === UUID_OID && json('payload') && json('headers')
}

/**
 * The envelope handed to a relay's `topic` function. Its payload is parsed only if the function
 * reads it, which topic routing rarely does.
 */
class RowEnvelope implements EventEnvelope {
  readonly id: string
  readonly aggregateType: string
  readonly aggregateId: string
  readonly type: string
  readonly schemaVersion: number
  readonly sequence: number
  readonly #payloadText: string
  readonly headers: Readonly<Record<string, string>>
  readonly occurredAt: string

  constructor(
    id: string,
    aggregateType: string,
    aggregateId: string,
    type: string,
    schemaVersion: number,
    sequence: number,
    payloadText: string,
    headers: Readonly<Record<string, string>>,
    occurredAt: string,
  ) {
    this.id = id
    this.aggregateType = aggregateType
    this.aggregateId = aggregateId
    this.type = type
    this.schemaVersion = schemaVersion
    this.sequence = sequence
    this.#payloadText = payloadText
    this.headers = headers
    this.occurredAt = occurredAt
  }

  get payload(): JsonValue {
    return JSON.parse(this.#payloadText) as JsonValue
  }
}

/** The headers column as a string map, or undefined when it is not one. */
function stringHeaders(text: string): Readonly<Record<string, string>> | undefined {
  if (text === '{}') return NO_HEADERS
  const parsed = JSON.parse(text) as unknown
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined
  const values = Object.values(parsed as Record<string, unknown>)
  return values.every((v) => typeof v === 'string') ? (parsed as Record<string, string>) : undefined
}

/**
 * The message for an outbox row whose id column is uuid and whose payload and headers columns
 * are json or jsonb, written as text. Postgres validated those on insert, so their text goes
 * into the value as it is, instead of being parsed into objects and serialized again: that
 * round trip was the relay's largest cost per event after the producer's own. The value is the
 * same envelope JSON as `encodeEnvelope` writes, with the same keys in the same order; only the
 * whitespace inside payload and headers is Postgres's.
 *
 * Returns undefined when the row is not a valid envelope, so that the caller's full check can
 * name every problem.
 */
export function checkedRowToMessage(
  row: OutboxRowText,
  topic: (e: EventEnvelope) => string,
  commitLsn?: Lsn,
): OutgoingMessage | undefined {
  const { id, aggregatetype: aggregateType, aggregateid: aggregateId, type, payload } = row
  // id is a uuid column's text: no pattern check needed, and it needs no JSON escaping.
  if (typeof id !== 'string' || !nonEmpty(aggregateType) || !nonEmpty(aggregateId)) return undefined
  if (!nonEmpty(type) || type.includes('@') || typeof payload !== 'string') return undefined
  const version = Number(row.version)
  const sequence = Number(row.sequence)
  if (!positiveInt(version) || !positiveInt(sequence)) return undefined
  const headersText = row.headers ?? '{}'
  const headers = stringHeaders(headersText)
  const occurredAt = pgTimestampToCheckedIso(row.occurred_at ?? '')
  if (headers === undefined || occurredAt === undefined) return undefined
  const value =
    `{"id":"${id}","aggregateType":${JSON.stringify(aggregateType)}` +
    `,"aggregateId":${JSON.stringify(aggregateId)},"type":${JSON.stringify(type)}` +
    `,"schemaVersion":${version},"sequence":${sequence},"payload":${payload}` +
    `,"headers":${headersText},"occurredAt":${JSON.stringify(occurredAt)}}`
  const envelope = new RowEnvelope(
    id,
    aggregateType,
    aggregateId,
    type,
    version,
    sequence,
    payload,
    headers,
    occurredAt,
  )
  return {
    topic: topic(envelope),
    key: aggregateId,
    value: Buffer.from(value),
    headers: {
      ...(headers === NO_HEADERS ? undefined : headers),
      [HEADER_EVENT_ID]: id,
      [HEADER_EVENT_TYPE]: `${type}@${version}`,
      [HEADER_AGGREGATE_VERSION]: String(sequence),
      ...(commitLsn === undefined ? undefined : { [HEADER_COMMIT_LSN]: commitLsn }),
    },
  }
}
