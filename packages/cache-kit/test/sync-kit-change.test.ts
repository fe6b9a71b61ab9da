import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { compareLsn, formatLsn, type CacheKitError } from '@faultline/cache-kit'
import { changeFromEvent, type SyncKitEvent } from '@faultline/cache-kit/sync-kit'
import type { ConsumedEvent } from '@faultline/sync-kit'

/** A consumed event as sync-kit's consumer hands it over: schema 3, aggregate version 7. */
function consumed(overrides: Partial<ConsumedEvent> = {}): ConsumedEvent {
  return {
    id: '0190f3c4-7a1b-7c2d-8e3f-4a5b6c7d8e9f',
    aggregateType: 'product',
    aggregateId: '42',
    type: 'catalog.product.changed',
    schemaVersion: 3,
    sequence: 7,
    payload: { price: 10 },
    headers: {},
    occurredAt: new Date(0).toISOString(),
    commitLsn: '16/B374D848',
    ...overrides,
  }
}

function thrown(call: () => unknown): CacheKitError {
  try {
    call()
  } catch (error) {
    return error as CacheKitError
  }
  throw new Error('expected a throw')
}

const lsnArb = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })

describe('changeFromEvent()', () => {
  test('takes the aggregate version from sequence and the LSN from commitLsn, not the id or schemaVersion', () => {
    expect(changeFromEvent(consumed(), 'product:42')).toStrictEqual({
      key: 'product:42',
      version: 7,
      lsn: '16/B374D848',
    })
  })

  test('a commitLsn as text in any case or as a BigInt gives the same canonical LSN', () => {
    fc.assert(
      fc.property(lsnArb, fc.boolean(), (lsn, lower) => {
        const text = lower ? formatLsn(lsn).toLowerCase() : formatLsn(lsn)
        const fromText = changeFromEvent(consumed({ commitLsn: text }), 'k')
        const fromBigInt = changeFromEvent({ ...consumed(), commitLsn: lsn }, 'k')
        expect(fromText.lsn).toBe(formatLsn(lsn))
        expect(fromBigInt.lsn).toBe(formatLsn(lsn))
      }),
    )
  })

  test('the LSNs it returns order as the commits did', () => {
    fc.assert(
      fc.property(lsnArb, lsnArb, (a, b) => {
        const lsnOf = (value: bigint) =>
          changeFromEvent(consumed({ commitLsn: formatLsn(value) }), 'k').lsn!
        expect(compareLsn(lsnOf(a), lsnOf(b))).toBe(a < b ? -1 : a > b ? 1 : 0)
      }),
    )
  })

  test('an event without a commitLsn is refused, naming the event, the header and the fix', () => {
    const error = thrown(() => changeFromEvent(consumed({ commitLsn: undefined }), 'product:42'))
    expect(error.code).toBe('E_CACHE_INVALID_EVENT')
    expect(error.retryable).toBe(false)
    expect(error.context).toStrictEqual({
      key: 'product:42',
      field: 'commitLsn',
      eventId: consumed().id,
    })
    expect(error.message).toContain('catalog.product.changed 0190f3c4-')
    expect(error.message).toContain('fl-commit-lsn')
    expect(error.message).toContain('createLogicalRelay()')
  })

  test.each([
    ['missing', undefined],
    ['zero', 0],
    ['a fraction', 1.5],
    ['text', '7'],
  ])('an event whose sequence is %s is refused: it has no aggregate version', (_, sequence) => {
    const event = { ...consumed(), sequence } as unknown as SyncKitEvent
    const error = thrown(() => changeFromEvent(event, 'product:42'))
    expect(error.code).toBe('E_CACHE_INVALID_EVENT')
    expect(error.context).toMatchObject({ field: 'sequence', key: 'product:42' })
    expect(error.message).toContain('no aggregate version')
  })

  test('a commitLsn that is not an LSN is refused as E_CACHE_INVALID_LSN naming commitLsn', () => {
    const error = thrown(() => changeFromEvent(consumed({ commitLsn: 'tomorrow' }), 'product:42'))
    expect(error.code).toBe('E_CACHE_INVALID_LSN')
    expect(error.context).toMatchObject({ option: 'commitLsn', key: 'product:42' })
  })

  test('no event at all, or an empty key, is refused', () => {
    const none = undefined as unknown as SyncKitEvent
    expect(thrown(() => changeFromEvent(none, 'k'))).toMatchObject({
      code: 'E_CACHE_INVALID_EVENT',
      context: { field: 'event' },
    })
    expect(thrown(() => changeFromEvent(consumed(), '')).code).toBe('E_CACHE_INVALID_KEY')
  })
})
