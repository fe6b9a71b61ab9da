import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { checkFlat, collectGarbage, fitLine, sampleProcess } from '@faultline/infra'

describe('soak helpers', () => {
  test('fitLine() recovers the slope and intercept of any exact line', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.integer({ min: 2, max: 200 }),
        (slope, intercept, count) => {
          const samples = Array.from({ length: count }, (_, index) => intercept + slope * index)
          const fit = fitLine(samples)
          expect(fit.slope).toBeCloseTo(slope, 3)
          expect(fit.intercept).toBeCloseTo(intercept, 3)
        },
      ),
    )
  })

  test('checkFlat() passes noise around a level and fails a steady climb of the same size', () => {
    const noise = [100, 104, 97, 103, 99, 101, 96, 104, 100, 98]
    const climb = noise.map((value, index) => value + index * 2)
    expect(checkFlat('noise', noise, { maxRelativeGrowth: 0.1 }).flat).toBe(true)
    const verdict = checkFlat('climb', climb, { maxRelativeGrowth: 0.1 })
    expect(verdict.flat).toBe(false)
    expect(verdict.growth).toBeGreaterThan(15)
    expect(verdict.summary).toMatch(/^climb: GROWS over 10 samples/)
  })

  test('checkFlat() skips warm-up samples, honours an absolute tolerance, and needs 3 samples', () => {
    const warmUp = [10, 50, 90, 100, 100, 101, 100, 100]
    expect(checkFlat('warm-up', warmUp, { maxRelativeGrowth: 0.05 }).flat).toBe(false)
    expect(checkFlat('warm-up', warmUp, { maxRelativeGrowth: 0.05, skip: 3 }).flat).toBe(true)
    const handles = [4, 4, 5, 5, 5, 6]
    expect(checkFlat('handles', handles, { maxRelativeGrowth: 0 }).flat).toBe(false)
    expect(checkFlat('handles', handles, { maxRelativeGrowth: 0, absoluteTolerance: 2 }).flat).toBe(
      true,
    )
    expect(checkFlat('short', [1, 1], { maxRelativeGrowth: 1 }).flat).toBe(false)
    expect(checkFlat('shrinking', [9, 7, 5, 3], { maxRelativeGrowth: 0 }).flat).toBe(true)
  })

  test('sampleProcess() sees retained memory after GC, and not memory that was let go', () => {
    collectGarbage()
    const before = sampleProcess().heapBytes
    let retained: number[][] | undefined = Array.from({ length: 200 }, () =>
      new Array<number>(10_000).fill(1),
    )
    const holding = sampleProcess().heapBytes
    expect(holding - before).toBeGreaterThan(8_000_000)
    expect(retained).toHaveLength(200)
    retained = undefined
    const released = sampleProcess().heapBytes
    expect(holding - released).toBeGreaterThan(8_000_000)
    expect(sampleProcess().activeResources).toBeGreaterThanOrEqual(0)
  })
})
