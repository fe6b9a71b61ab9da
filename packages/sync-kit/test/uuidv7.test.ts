import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { uuidv7 } from '@faultline/sync-kit'
import { isUuid, uuidv7Timestamp } from '../src/uuidv7.js'

describe('uuidv7', () => {
  test('carries version 7, the RFC variant and the millisecond timestamp', () => {
    fc.assert(
      // Below the 48-bit ceiling by a margin: the generator keeps the highest millisecond it saw,
      // and the next test's 10,000 ids must not overflow the timestamp field.
      fc.property(fc.integer({ min: 0, max: 2 ** 48 - 2 ** 20 }), (ms) => {
        const id = uuidv7(ms)
        return (
          isUuid(id) &&
          id[14] === '7' &&
          '89ab'.includes(id[19] ?? '') &&
          (uuidv7Timestamp(id) ?? -1) >= ms
        )
      }),
    )
  })

  test('10,000 ids made in one millisecond are unique and strictly increasing', () => {
    const ids = Array.from({ length: 10_000 }, () => uuidv7(1_700_000_000_000))
    expect(new Set(ids).size).toBe(ids.length)
    for (let i = 1; i < ids.length; i++) expect((ids[i] ?? '') > (ids[i - 1] ?? '')).toBe(true)
  })

  test('isUuid() rejects non-UUIDs and uuidv7Timestamp() non-v7 ids', () => {
    expect(isUuid('nope')).toBe(false)
    expect(isUuid(42)).toBe(false)
    expect(uuidv7Timestamp('00000000-0000-4000-8000-000000000000')).toBeUndefined()
  })
})
