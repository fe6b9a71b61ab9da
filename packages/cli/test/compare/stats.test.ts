import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import {
  incompleteBeta,
  normalCdf,
  normalQuantile,
  studentTCdf,
} from '../../src/compare/distributions.js'
import { mannWhitneyU, smallestExactP } from '../../src/compare/mann-whitney.js'
import { welchTTest } from '../../src/compare/welch.js'

// Reference values computed with scipy 1.17.1 (scipy.stats.norm.cdf, t.cdf, mannwhitneyu,
// ttest_ind(equal_var=False)).
describe('distributions', () => {
  test.each([
    [0, 0.5],
    [1, 0.8413447460685429],
    [1.96, 0.9750021048517795],
    [-2.5, 0.006209665325776132],
    [3.7, 0.9998922002665226],
  ])('normalCdf(%d) = %d (scipy)', (z, expected) => {
    expect(normalCdf(z)).toBeCloseTo(expected, 12)
  })

  test.each([
    [2.0, 10, 0.9633059826146299],
    [1.0, 1, 0.75],
    [-3.5, 4.2, 0.01149687122773869],
    [12.706, 1, 0.9749995988209335],
    [0.5, 30, 0.6896384975574363],
  ])('studentTCdf(%d, df %d) = %d (scipy)', (t, df, expected) => {
    expect(studentTCdf(t, df)).toBeCloseTo(expected, 10)
  })

  test('I_x(a, b) meets its closed forms: I_x(1, 1) = x, I_x(a, 1) = x^a, symmetry', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.001, max: 0.999, noNaN: true }),
        fc.double({ min: 0.2, max: 40, noNaN: true }),
        fc.double({ min: 0.2, max: 40, noNaN: true }),
        (x, a, b) => {
          expect(incompleteBeta(x, 1, 1)).toBeCloseTo(x, 12)
          expect(incompleteBeta(x, a, 1)).toBeCloseTo(x ** a, 10)
          expect(incompleteBeta(x, a, b) + incompleteBeta(1 - x, b, a)).toBeCloseTo(1, 10)
        },
      ),
    )
  })

  test('normalQuantile() inverts normalCdf()', () => {
    for (const p of [0.001, 0.025, 0.2, 0.5, 0.8, 0.975, 0.999])
      expect(normalCdf(normalQuantile(p))).toBeCloseTo(p, 8)
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5)
  })
})

describe('mannWhitneyU()', () => {
  test.each([
    [[1, 2, 3, 4], [5, 6, 7, 8], 0, 0.02857142857142857],
    [[1.1, 2.3, 3.2, 4.8, 5.0], [2.0, 6.1, 7.4, 8.8, 9.9, 10.2], 4, 0.05194805194805195],
    [
      [10, 12, 11, 13, 14, 15, 9, 8],
      [10.5, 12.5, 11.5, 13.5, 14.5, 15.5, 9.5, 8.5],
      28,
      0.7209013209013208,
    ],
  ])('exact without ties matches scipy (%j vs %j)', (a, b, u, p) => {
    const result = mannWhitneyU(a, b)
    expect(result).toMatchObject({ u, method: 'exact' })
    expect(result.p).toBeCloseTo(p, 12)
  })

  test('with ties: the normal approximation with tie and continuity corrections matches scipy', () => {
    const result = mannWhitneyU(
      [1, 2, 2, 3, 3, 3, 4, 5, 6, 7, 7, 8],
      [3, 4, 4, 5, 6, 6, 7, 8, 9, 9, 10, 11, 12],
    )
    expect(result).toMatchObject({ u: 32.5, method: 'normal' })
    expect(result.p).toBeCloseTo(0.013893381596407166, 10)
  })

  test('large samples use the normal approximation, as scipy does', () => {
    const a = Array.from({ length: 25 }, (_, i) => i + 1)
    const b = Array.from({ length: 30 }, (_, i) => i + 1 + 7.5)
    const result = mannWhitneyU(a, b)
    expect(result).toMatchObject({ u: 153, method: 'normal' })
    expect(result.p).toBeCloseTo(0.00018108960197476528, 12)
  })

  test('is symmetric: swapping the samples keeps p and mirrors U', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 12 }),
        (a, b) => {
          const ab = mannWhitneyU(a, b)
          const ba = mannWhitneyU(b, a)
          expect(ab.p).toBeCloseTo(ba.p, 12)
          expect(ab.u + ba.u).toBe(a.length * b.length)
          expect(ab.p).toBeGreaterThan(0)
          expect(ab.p).toBeLessThanOrEqual(1)
        },
      ),
    )
  })

  test('smallestExactP(): 3 runs a side can never reach 0.05, 4 can', () => {
    expect(smallestExactP(3, 3)).toBeCloseTo(0.1, 12)
    expect(smallestExactP(4, 4)).toBeCloseTo(2 / 70, 12)
    expect(mannWhitneyU([1, 2, 3], [7, 8, 9]).p).toBeCloseTo(0.1, 12)
  })
})

describe('welchTTest()', () => {
  test.each([
    [
      [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4],
      [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4],
      -2.455356398286006,
      24.988529290231416,
      0.021378001462866992,
    ],
    [[10, 11], [20, 22.5], -7.98489954161323, 1.31201248049922, 0.04520555189719178],
    [
      [100, 102, 98],
      [200, 190, 210, 205],
      -22.89195346724097,
      3.4274024999708463,
      7.17501494228445e-5,
    ],
  ])('matches scipy ttest_ind(equal_var=False) (%j vs %j)', (a, b, t, df, p) => {
    const result = welchTTest(a, b)
    expect(result.t).toBeCloseTo(t, 10)
    expect(result.df).toBeCloseTo(df, 10)
    expect(result.p).toBeCloseTo(p, 10)
  })

  test('no variance on either side: equal means p 1, different means p 0', () => {
    expect(welchTTest([5, 5], [5, 5]).p).toBe(1)
    expect(welchTTest([5, 5], [6, 6]).p).toBe(0)
  })
})
