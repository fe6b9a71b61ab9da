import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { formatDuration, parseDuration, ScenarioError } from '../src/index.js'

describe('parseDuration', () => {
  test.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['2m', 120_000],
    ['1h30m', 5_400_000],
    ['1m30s', 90_000],
    ['1.5s', 1500],
    ['250us', 0.25],
    [' 10s ', 10_000],
  ])('parses %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms)
  })

  test.each([
    ['30', 'has no unit'],
    ['30x', 'unreadable part'],
    ['s', 'unreadable part'],
    ['30s1m', 'out of order'],
    ['1s1s', 'out of order'],
    ['', 'is not a duration'],
    ['-5s', 'unreadable part'],
  ])('refuses %j naming the field and the fix', (text, problem) => {
    const error = catchError(() => parseDuration(text, 'load[0].stages[1].duration'))
    expect(error).toBeInstanceOf(ScenarioError)
    expect(error.code).toBe('E_SCENARIO_INVALID_DURATION')
    expect(error.message).toContain('load[0].stages[1].duration')
    expect(error.message).toContain(problem)
    expect(error.message).toContain("e.g. '500ms', '30s', '2m', '1h30m'")
  })

  test('refuses a number, which would be ambiguous', () => {
    expect(() => parseDuration(30)).toThrow(/is not a duration/)
  })

  test('formatDuration() output parses back to the same milliseconds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 * 3_600_000 }), (ms) => {
        expect(parseDuration(formatDuration(ms))).toBeCloseTo(ms, 6)
      }),
    )
  })
})

function catchError(fn: () => unknown): ScenarioError {
  try {
    fn()
  } catch (error) {
    return error as ScenarioError
  }
  throw new Error('expected a throw')
}
