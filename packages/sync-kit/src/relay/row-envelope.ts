import type { EventEnvelope, JsonValue } from '../envelope.js'
import { validateEnvelope } from '../envelope.js'
import { SyncKitError } from '../errors.js'

/** An outbox row with every column in Postgres text form, as pgoutput sends it. */
export type OutboxRowText = Readonly<Record<string, string | null | undefined>>

const TS_RE =
  /^(\d{4,}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d(?:\.\d+)?)(?:([+-]\d\d)(?::?(\d\d))?(?::?(\d\d))?|Z)?$/

let lastText = ''
let lastIso = ''
let lastValid = false

/** Postgres timestamptz text (`2026-01-02 03:04:05.678+00`) → ISO-8601 in UTC. */
export function pgTimestampToIso(text: string): string {
  remember(text)
  return lastIso
}

/** Like {@link pgTimestampToIso}, or undefined when the text is not a date at all. */
export function pgTimestampToCheckedIso(text: string): string | undefined {
  remember(text)
  return lastValid ? lastIso : undefined
}

function remember(text: string): void {
  // The events of one appendEvents() call share one occurredAt: a relay converts it once.
  if (text === lastText) return
  lastIso = convertTimestamp(text)
  lastValid = !Number.isNaN(Date.parse(lastIso))
  lastText = text
}

function convertTimestamp(text: string): string {
  const m = TS_RE.exec(text)
  if (!m) return text
  const offset = m[3] === undefined ? 'Z' : `${m[3]}:${m[4] ?? '00'}`
  const d = new Date(`${m[1]}T${m[2]}${offset}`)
  return Number.isNaN(d.getTime()) ? text : d.toISOString()
}

function parseJson(text: string | null | undefined, column: string): JsonValue {
  if (typeof text !== 'string') throw new Error(`column ${column} is null or unchanged`)
  return JSON.parse(text) as JsonValue
}

/**
 * Rebuilds the envelope from an outbox row. Throws `E_SYNC_MALFORMED_MESSAGE` naming the problem
 * when the row does not make a valid envelope (e.g. written by hand, not by `appendEvents`).
 */
export function rowToEnvelope(row: OutboxRowText): EventEnvelope {
  let candidate: unknown
  try {
    candidate = {
      id: row.id,
      aggregateType: row.aggregatetype,
      aggregateId: row.aggregateid,
      type: row.type,
      schemaVersion: Number(row.version),
      sequence: Number(row.sequence),
      payload: parseJson(row.payload, 'payload'),
      headers: parseJson(row.headers ?? '{}', 'headers'),
      occurredAt: pgTimestampToIso(row.occurred_at ?? ''),
    }
  } catch (err) {
    throw malformed(row, (err as Error).message, err)
  }
  const result = validateEnvelope(candidate)
  if (!result.ok) throw malformed(row, result.problems.join('; '))
  return result.envelope
}

function malformed(row: OutboxRowText, why: string, cause?: unknown): SyncKitError {
  return new SyncKitError(
    'E_SYNC_MALFORMED_MESSAGE',
    `outbox row ${row.id ?? '?'} is invalid: ${why}`,
    {
      context: { ...(row.id ? { eventId: row.id } : {}) },
      cause,
    },
  )
}
