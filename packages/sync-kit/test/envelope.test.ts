import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import {
  HEADER_EVENT_ID,
  HEADER_EVENT_TYPE,
  decodeEnvelope,
  encodeEnvelope,
  isSyncKitError,
  uuidv7,
  type EventEnvelope,
  type JsonValue,
} from '@faultline/sync-kit'
import { formatEventType, parseEventType, validateEnvelope } from '../src/envelope.js'

const envelopeArb = fc.record({
  id: fc.constant(null).map(() => uuidv7()),
  aggregateType: fc.string({ minLength: 1 }),
  aggregateId: fc.string({ minLength: 1 }),
  type: fc.string({ minLength: 1 }).filter((s) => !s.includes('@')),
  schemaVersion: fc.integer({ min: 1, max: 1000 }),
  sequence: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  payload: fc.jsonValue().map((v) => v as JsonValue),
  headers: fc.dictionary(fc.string(), fc.string()),
  occurredAt: fc.date({ noInvalidDate: true, min: new Date(0) }).map((d) => d.toISOString()),
})

function caught(fn: () => unknown): unknown {
  try {
    fn()
  } catch (err) {
    return err
  }
  return undefined
}

describe('envelope', () => {
  test('encodeEnvelope() → decodeEnvelope() round-trips any valid envelope', () => {
    fc.assert(
      fc.property(envelopeArb, (env: EventEnvelope) => {
        const msg = encodeEnvelope(env)
        expect(msg.key).toBe(env.aggregateId)
        expect(msg.headers[HEADER_EVENT_ID]).toBe(env.id)
        expect(msg.headers[HEADER_EVENT_TYPE]).toBe(`${env.type}@${env.schemaVersion}`)
        expect(decodeEnvelope(msg.value)).toEqual(JSON.parse(JSON.stringify(env)))
      }),
    )
  })

  test('type@version helpers round-trip and reject junk', () => {
    expect(formatEventType('order.placed', 2)).toBe('order.placed@2')
    expect(parseEventType('order.placed@2')).toEqual({ type: 'order.placed', schemaVersion: 2 })
    expect(parseEventType('a@b@3')).toEqual({ type: 'a@b', schemaVersion: 3 })
    for (const bad of ['order', '@1', 'x@0', 'x@1.5', 'x@', 'x@01']) {
      expect(
        isSyncKitError(
          caught(() => parseEventType(bad)),
          'E_SYNC_MALFORMED_MESSAGE',
        ),
      ).toBe(true)
    }
  })

  test('validateEnvelope() names every problem', () => {
    const r = validateEnvelope({ id: 'x', schemaVersion: 0, sequence: -1, headers: { a: 1 } })
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.problems).toEqual([
      'id must be a UUID string',
      'aggregateType must be a non-empty string',
      'aggregateId must be a non-empty string',
      'type must be a non-empty string',
      'schemaVersion must be an integer >= 1',
      'sequence must be an integer >= 1',
      'payload is missing',
      'header "a" must be a string',
      'occurredAt must be an ISO-8601 date string',
    ])
    expect(validateEnvelope([]).ok).toBe(false)
    expect(validateEnvelope(null).ok).toBe(false)
  })

  test('decodeEnvelope() says why a message is malformed and where it came from', () => {
    const where = { topic: 't', partition: 3, offset: '42' }
    const notJson = caught(() => decodeEnvelope(Buffer.from('{nope'), where))
    expect(isSyncKitError(notJson, 'E_SYNC_MALFORMED_MESSAGE')).toBe(true)
    expect((notJson as Error).message).toMatch(/not JSON/)
    expect((notJson as { context: unknown }).context).toEqual(where)
    const empty = caught(() => decodeEnvelope(null, where))
    expect((empty as Error).message).toMatch(/no value/)
    const missing = caught(() => decodeEnvelope('{"id":"x"}'))
    expect((missing as Error).message).toMatch(/id must be a UUID.*aggregateType/)
    const atType = caught(() => decodeEnvelope(JSON.stringify({ ...validOne(), type: 'a@1' })))
    expect((atType as Error).message).toMatch(/must not contain "@"/)
  })
})

function validOne(): EventEnvelope {
  return {
    id: uuidv7(),
    aggregateType: 'order',
    aggregateId: 'o-1',
    type: 'order.placed',
    schemaVersion: 1,
    sequence: 1,
    payload: { total: 3 },
    headers: {},
    occurredAt: new Date().toISOString(),
  }
}
