import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import {
  compareLsn,
  formatLsn,
  isFaultlineError,
  maxLsn,
  parseLsn,
  tryParseLsn,
} from '../src/index.js'

const lsnValue = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })

describe('LSN', () => {
  test('text and BigInt forms round-trip for every 64-bit value', () => {
    fc.assert(
      fc.property(lsnValue, (value) => {
        const text = formatLsn(value)
        expect(parseLsn(text)).toBe(value)
        expect(formatLsn(text.toLowerCase())).toBe(text)
      }),
    )
  })

  test('compareLsn orders as the numbers do, across 4 GiB boundaries where text does not', () => {
    fc.assert(
      fc.property(lsnValue, lsnValue, (a, b) => {
        expect(Math.sign(compareLsn(formatLsn(a), b))).toBe(a < b ? -1 : a > b ? 1 : 0)
      }),
    )
    expect('F/0' > '10/0').toBe(true)
    expect(compareLsn('F/0', '10/0')).toBe(-1)
    expect(maxLsn('F/0', '10/0')).toBe('10/0')
  })

  test('a value that is not an LSN is refused with a code and the expected form', () => {
    for (const bad of ['', '0/', '/1', 'G/1', '1/2/3', '123456789/0', -1n, 1n << 64n]) {
      expect(tryParseLsn(bad)).toBeUndefined()
      let thrown: unknown
      try {
        parseLsn(bad)
      } catch (error) {
        thrown = error
      }
      expect(isFaultlineError(thrown)).toBe(true)
      expect(thrown).toMatchObject({ code: 'E_COMMON_INVALID_LSN', retryable: false })
      expect((thrown as Error).message).toContain('16/B374D848')
    }
  })
})
