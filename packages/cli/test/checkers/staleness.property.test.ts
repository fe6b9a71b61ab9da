import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { checkStaleness } from '../../src/checkers/functions.js'
import { staleReadIds } from './support/staleness-oracle.js'
import { simulate, stepArb } from './support/staleness-sim.js'

const RUNS = 300
const WINDOW_MS = 50
const stepsArb = fc.array(stepArb, { minLength: 5, maxLength: 80 })

describe('staleness checker (properties)', () => {
  test(`histories of a store whose reads lag at most the window are valid (${RUNS} runs)`, () => {
    let lagging = 0
    let tokenReads = 0
    fc.assert(
      fc.property(stepsArb, (steps) => {
        const { events } = simulate(steps, WINDOW_MS * 1000)
        const result = checkStaleness(events, {}, { windowMs: WINDOW_MS })
        if ((result.stats.olderWithinWindow ?? 0) > 0) lagging++
        tokenReads += result.stats.tokenReads ?? 0
        expect(result.verdict).toBe('valid')
      }),
      { numRuns: RUNS },
    )
    // The generator really produces reads that lag inside the window (the property is not vacuous).
    expect(lagging).toBeGreaterThan(RUNS / 10)
    expect(tokenReads).toBeGreaterThan(RUNS / 4)
  })

  test(`a planted stale read is invalid, and the counterexample names it (${RUNS} runs)`, () => {
    let planted = 0
    fc.assert(
      fc.property(stepsArb, (steps) => {
        const sim = simulate(steps, WINDOW_MS * 1000, 'plant')
        const result = checkStaleness(
          sim.events,
          {},
          { windowMs: WINDOW_MS, maxCounterexamples: 1000 },
        )
        if (sim.planted === undefined) {
          expect(result.verdict).toBe('valid')
          return
        }
        planted++
        expect(result.verdict).toBe('invalid')
        const example = result.counterexamples.find((c) => c.historyIds?.[0] === sim.planted)
        expect(example).toBeDefined()
        expect(example!.key).toMatch(/^p\d$/)
      }),
      { numRuns: RUNS },
    )
    expect(planted).toBeGreaterThan(RUNS / 4)
  })

  test(`on any history the checker flags exactly the reads a brute-force check flags (${RUNS} runs)`, () => {
    let stale = 0
    let staleWithToken = 0
    fc.assert(
      fc.property(stepsArb, fc.integer({ min: 0, max: 200 }), (steps, windowMs) => {
        const { events } = simulate(steps, windowMs * 1000, 'chaos')
        const expected = staleReadIds(events, windowMs * 1000)
        const result = checkStaleness(events, {}, { windowMs, maxCounterexamples: 1_000_000 })
        const flagged = new Set(result.counterexamples.map((c) => c.historyIds![0]))
        stale += expected.size
        staleWithToken += result.stats.staleWithToken ?? 0
        expect([...flagged].sort()).toEqual([...expected].sort())
        expect(result.verdict).toBe(expected.size > 0 ? 'invalid' : 'valid')
      }),
      { numRuns: RUNS },
    )
    expect(stale).toBeGreaterThan(RUNS)
    expect(staleWithToken).toBeGreaterThan(0)
  })
})
