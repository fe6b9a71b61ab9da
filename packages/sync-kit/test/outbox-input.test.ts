import { describe, expect, test } from 'vitest'
import { appendEvents, isSyncKitError, type SqlClient } from '@faultline/sync-kit'

/** Records SQL; these tests prove bad input is refused before any SQL reaches the transaction. */
function recordingTx(): SqlClient & { calls: string[] } {
  const calls: string[] = []
  return {
    calls,
    query: (text: string) => {
      calls.push(text)
      return Promise.resolve({ rows: [], rowCount: 0 })
    },
  }
}

const good = { aggregateType: 'order', aggregateId: 'o-1', type: 'order.placed', payload: {} }
const cyclic: Record<string, unknown> = {}
cyclic.self = cyclic

describe('appendEvents() bad input', () => {
  test.each([
    ['missing aggregateId', { ...good, aggregateId: '' }, 'aggregateId'],
    ['missing type', { ...good, type: undefined }, 'type'],
    ['missing aggregateType', { ...good, aggregateType: undefined }, 'aggregateType'],
    ['a BigInt payload', { ...good, payload: { n: 1n } }, 'payload'],
    ['a cyclic payload', { ...good, payload: cyclic }, 'payload'],
    ['an undefined payload', { ...good, payload: undefined }, 'payload'],
    ['a NUL in the payload', { ...good, payload: { s: 'a\u0000b' } }, 'payload'],
    ['a schemaVersion of 0', { ...good, schemaVersion: 0 }, 'schemaVersion'],
    ['a non-UUID id', { ...good, id: 'abc' }, 'id'],
    ['a numeric header', { ...good, headers: { n: 1 } }, 'headers'],
    ['type@version in type', { ...good, type: 'order.placed@2' }, 'type'],
  ])('rejects %s with E_SYNC_INVALID_EVENT naming the field', async (_name, event, field) => {
    const tx = recordingTx()
    const err: unknown = await appendEvents(tx, [good, event as never]).catch((e: unknown) => e)
    expect(isSyncKitError(err, 'E_SYNC_INVALID_EVENT')).toBe(true)
    expect((err as { context: { field: string; index: number } }).context).toMatchObject({
      field,
      index: 1,
    })
    expect(tx.calls).toEqual([])
  })

  test('an empty batch does nothing', async () => {
    const tx = recordingTx()
    expect(await appendEvents(tx, [])).toEqual([])
    expect(tx.calls).toEqual([])
  })
})
