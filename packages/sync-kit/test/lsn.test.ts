import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { isFaultlineError } from '@faultline/common'
import { compareLsn, formatLsn, parseLsn } from '@faultline/sync-kit'
import { maxLsn } from '@faultline/common'

const lsn64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })

describe('lsn', () => {
  test('parseLsn() and formatLsn() round-trip every 64-bit value', () => {
    fc.assert(fc.property(lsn64, (n) => parseLsn(formatLsn(n)) === n))
  })

  test('compareLsn() orders like the 64-bit numbers, across 4 GiB boundaries', () => {
    fc.assert(
      fc.property(lsn64, lsn64, (a, b) => {
        const expected = a < b ? -1 : a > b ? 1 : 0
        return compareLsn(formatLsn(a), formatLsn(b)) === expected
      }),
    )
  })

  test('string comparison is wrong where compareLsn() is right (the hazard)', () => {
    // Postgres prints LSNs without leading zeros, so text order breaks when a digit is added.
    expect('F/0' > '10/0').toBe(true)
    expect(compareLsn('F/0', '10/0')).toBe(-1)
    expect('0/9' > '0/10').toBe(true)
    expect(compareLsn('0/9', '0/10')).toBe(-1)
    expect(compareLsn('0/FFFFFFFF', '1/0')).toBe(-1)
    expect(parseLsn('1/0')).toBe(1n << 32n)
    expect(parseLsn('16/B374D848')).toBe((0x16n << 32n) + 0xb374d848n)
    expect(formatLsn(0n)).toBe('0/0')
    expect(maxLsn(parseLsn('1/0'), '0/FFFFFFFF')).toBe('1/0')
  })

  test.each(['', '0', '0/', '/0', 'G/0', '1/2/3', '123456789/0', ' 0/0'])(
    'parseLsn(%j) throws E_COMMON_INVALID_LSN',
    (text) => {
      let caught: unknown
      try {
        parseLsn(text)
      } catch (err) {
        caught = err
      }
      expect(isFaultlineError(caught) && caught.code === 'E_COMMON_INVALID_LSN').toBe(true)
    },
  )

  test('formatLsn() refuses values outside 64 bits', () => {
    expect(() => formatLsn(-1n)).toThrow(/not a Postgres LSN/)
    expect(() => formatLsn(1n << 64n)).toThrow(/not a Postgres LSN/)
  })
})
