import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { appendEvents, encodeEnvelope, isSyncKitError, type SqlClient } from '@faultline/sync-kit'
import { KAFKA_DEFAULT_MAX_MESSAGE_BYTES, messageBytes } from '../src/message-size.js'
import { minimumMessageBytes, prepareEvent } from '../src/outbox-input.js'

/**
 * A transaction that counts statements (an event refused for its size must not reach it) and
 * answers the append as Postgres would: one stored row per event.
 */
function recordingTx() {
  const tx = {
    calls: 0,
    query: (_text: string, values?: readonly unknown[]) => {
      tx.calls++
      const ids = (values?.[0] ?? []) as string[]
      const rows = ids.map((_, i) => ({ position: String(i + 1), sequence: '1' }))
      return Promise.resolve({ rows, rowCount: rows.length })
    },
  }
  return tx as typeof tx & SqlClient
}

const json = fc.jsonValue({ maxDepth: 3 }).filter((v) => !JSON.stringify(v).includes('\\u0000'))

describe('message sizes', () => {
  test("minimumMessageBytes() is the size of the event's message with a one-digit sequence, exactly", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }),
        fc.string({ minLength: 1 }),
        json,
        fc.dictionary(fc.string({ minLength: 1 }), fc.string()),
        (aggregateId, type, payload, headers) => {
          const event = {
            aggregateType: 't',
            aggregateId,
            type: type.replace(/@/g, ''),
            payload,
            headers,
          }
          fc.pre(event.type.length > 0)
          const prepared = prepareEvent(event, 0, Date.now())
          const stored = { ...prepared.envelope, sequence: 7 }
          expect(minimumMessageBytes(prepared)).toBe(messageBytes(encodeEnvelope(stored)))
        },
      ),
      { numRuns: 300 },
    )
  })

  test('appendEvents() refuses, before any SQL, an event that cannot fit the limit, and takes one that just fits', async () => {
    const event = (bytes: number) => ({
      aggregateType: 'doc',
      aggregateId: 'd-1',
      type: 'doc.saved',
      payload: 'x'.repeat(bytes),
    })
    const overhead = minimumMessageBytes(prepareEvent(event(0), 0, 0)) + 2 // longer length varints
    const fits = event(KAFKA_DEFAULT_MAX_MESSAGE_BYTES - overhead)
    expect(minimumMessageBytes(prepareEvent(fits, 0, 0))).toBe(KAFKA_DEFAULT_MAX_MESSAGE_BYTES)
    const tx = recordingTx()
    const err: unknown = await appendEvents(tx, [
      event(10),
      { ...fits, payload: `${fits.payload}x` },
    ]).catch((e: unknown) => e)
    expect(isSyncKitError(err, 'E_SYNC_MESSAGE_TOO_LARGE')).toBe(true)
    expect(err).toMatchObject({
      retryable: false,
      context: {
        index: 1,
        bytes: KAFKA_DEFAULT_MAX_MESSAGE_BYTES + 1,
        limitBytes: KAFKA_DEFAULT_MAX_MESSAGE_BYTES,
      },
    })
    expect(tx.calls).toBe(0)
    await appendEvents(tx, [fits])
    expect(tx.calls).toBe(1)
  })

  test('maxMessageBytes: Infinity checks nothing; a limit that is not a positive number is refused', async () => {
    const tx = recordingTx()
    const big = {
      aggregateType: 'doc',
      aggregateId: 'd',
      type: 'doc.saved',
      payload: 'x'.repeat(2 << 20),
    }
    await appendEvents(tx, [big], { maxMessageBytes: Infinity })
    expect(tx.calls).toBe(1)
    for (const maxMessageBytes of [0, -1, Number.NaN]) {
      const err: unknown = await appendEvents(tx, [big], { maxMessageBytes }).catch(
        (e: unknown) => e,
      )
      expect(isSyncKitError(err, 'E_SYNC_INVALID_OPTION')).toBe(true)
    }
  })
})
