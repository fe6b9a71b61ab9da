import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { decodeEnvelope, uuidv7, type JsonValue } from '@faultline/sync-kit'
import { checkedRowToMessage } from '../src/relay/checked-row.js'
import { rowToMessage } from '../src/relay/to-message.js'
import type { OutboxRowText } from '../src/relay/row-envelope.js'

const silent = { debug() {}, info() {}, warn() {}, error() {} }
const byType = (e: { aggregateType: string }) => `outbox.event.${e.aggregateType}`

/** JSON as Postgres's jsonb output writes it: a space after every ':' and ','. */
const pgJsonText = (v: unknown): string =>
  JSON.stringify(v, null, 1)
    .replace(/\n */g, ' ')
    .replace(/\[ /g, '[')
    .replace(/ \]/g, ']')
    .replace(/\{ /g, '{')
    .replace(/ \}/g, '}')

const rowArb = fc.record({
  id: fc.constant(null).map(() => uuidv7()),
  aggregatetype: fc.string({ minLength: 1 }),
  aggregateid: fc.string({ minLength: 1 }),
  type: fc.string({ minLength: 1 }).filter((s) => !s.includes('@')),
  version: fc.integer({ min: 1, max: 1000 }).map(String),
  sequence: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }).map(String),
  payload: fc.jsonValue().map(pgJsonText),
  headers: fc.dictionary(fc.string(), fc.string()).map(pgJsonText),
  occurred_at: fc
    .date({ noInvalidDate: true, min: new Date(0), max: new Date('9999-12-31') })
    .map((d) => d.toISOString().replace('T', ' ').replace('Z', '+00')),
})

describe('rows whose column types Postgres checked', () => {
  test('give the same key, headers and envelope as parsing and re-encoding the row', () => {
    fc.assert(
      fc.property(rowArb, (row: OutboxRowText) => {
        const fast = checkedRowToMessage(row, byType, '16/B374D848')!
        expect(fast).toBeDefined()
        const slow = rowToMessage(row, byType, 'invalid', silent, false, '16/B374D848')
        expect(fast.topic).toBe(slow.topic)
        expect(fast.key).toBe(slow.key)
        expect(fast.headers).toEqual(slow.headers)
        expect(decodeEnvelope(fast.value)).toEqual(decodeEnvelope(slow.value))
        expect(Object.keys(JSON.parse(fast.value.toString()) as object)).toEqual(
          Object.keys(JSON.parse(slow.value.toString()) as object),
        )
      }),
    )
  })

  test('hand the topic function an envelope whose payload it can read', () => {
    const [row] = fc.sample(rowArb, 1)
    const payloads: JsonValue[] = []
    rowToMessage(
      { ...row!, payload: '{"region": "eu"}' },
      (e) => {
        payloads.push(e.payload)
        return 't'
      },
      'invalid',
      silent,
      true,
    )
    expect(payloads).toEqual([{ region: 'eu' }])
  })

  test('that are not valid envelopes still go to the invalid-row topic with every reason', () => {
    const [row] = fc.sample(rowArb, 1)
    const bad: [Partial<Record<string, string | null>>, RegExp][] = [
      [{ type: 'a@b' }, /type must not contain "@"/],
      [{ aggregateid: '' }, /aggregateId must be a non-empty string/],
      [{ version: '0', sequence: 'x' }, /schemaVersion must be.*; sequence must be/],
      [{ headers: '{"n": 1}' }, /header "n" must be a string/],
      [{ headers: '[]' }, /headers must be an object of strings/],
      [{ occurred_at: 'yesterday' }, /occurredAt must be an ISO-8601 date string/],
      [{ payload: null }, /column payload is null/],
    ]
    for (const [change, reason] of bad) {
      expect(checkedRowToMessage({ ...row!, ...change }, byType)).toBeUndefined()
      const m = rowToMessage({ ...row!, ...change }, byType, 'invalid', silent, true)
      expect(m.topic).toBe('invalid')
      expect(m.headers['fl-error']).toMatch(reason)
    }
  })
})
