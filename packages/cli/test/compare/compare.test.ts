import { describe, expect, test } from 'vitest'
import { compareRuns, median, runsNeeded } from '../../src/compare/compare.js'
import { parseTolerance } from '../../src/compare/load-side.js'
import { renderComparison } from '../../src/ui/compare-text.js'
import { runsAround, syntheticSummary } from '../support/summaries.js'

const P99 = 'http_req_duration p99'

function verdictOf(comparison: ReturnType<typeof compareRuns>, id: string) {
  const metric = comparison.metrics.find((m) => m.id === id)
  if (metric === undefined)
    throw new Error(`no ${id} in ${comparison.metrics.map((m) => m.id).join(', ')}`)
  return metric
}

describe('compareRuns()', () => {
  test('a 2x latency regression over 5 noisy runs a side is caught by Mann-Whitney', () => {
    const c = compareRuns(runsAround(5, 10, 0.08), runsAround(5, 20, 0.08))
    const p99 = verdictOf(c, P99)
    expect(p99.verdict).toBe('regressed')
    expect(p99.basis.test).toBe('mann-whitney')
    expect(p99.basis.p).toBeLessThan(0.05)
    expect(p99.change).toBeCloseTo(1, 5)
    expect(c.regressions.map((m) => m.id)).toContain(P99)
    expect(renderComparison(c)).toMatch(
      /✗ \d+ metric\(s\) regressed beyond 10%:\n {4}- http_req_duration/,
    )
  })

  test('noise within the tolerance is not a regression', () => {
    // 5 runs a side, each ±8 %, medians 4 % apart: within 10 %.
    const c = compareRuns(runsAround(5, 10, 0.08), runsAround(5, 10.4, 0.08))
    expect(verdictOf(c, P99).verdict).toBe('unchanged')
    expect(c.regressions).toEqual([])
  })

  test('a change beyond the tolerance but inside the noise is inconclusive, with the runs a test needs', () => {
    const noisy = (values: number[]) => values.map((p99) => syntheticSummary({ p99 }))
    const c = compareRuns(noisy([10, 14, 7, 12, 9]), noisy([12, 8, 15, 11, 13]))
    const p99 = verdictOf(c, P99)
    expect(p99.change).toBeCloseTo(0.2, 5)
    expect(p99.verdict).toBe('inconclusive')
    expect(p99.basis.p).toBeGreaterThanOrEqual(0.05)
    expect(p99.runsNeeded).toBeGreaterThan(5)
    expect(c.regressions).toEqual([])
    expect(renderComparison(c)).toContain(`runs per side (--repeat ${p99.runsNeeded})`)
  })

  test('one run a side: beyond the tolerance is judged on the tolerance alone and says so', () => {
    const c = compareRuns([syntheticSummary({ p99: 10 })], [syntheticSummary({ p99: 20 })])
    const p99 = verdictOf(c, P99)
    expect(p99).toMatchObject({ verdict: 'regressed', basis: { test: 'tolerance' }, runsNeeded: 4 })
    const text = renderComparison(c)
    expect(text).toContain('(1 run a side: tolerance only, untested)')
    expect(text).toContain('with one run on a side no test can tell a change from noise')
    const within = compareRuns([syntheticSummary({ p99: 10 })], [syntheticSummary({ p99: 10.9 })])
    expect(verdictOf(within, P99).verdict).toBe('unchanged')
  })

  test("two or three runs a side use Welch's t (Mann-Whitney cannot reach 0.05 there)", () => {
    const c = compareRuns(runsAround(3, 10, 0.02), runsAround(3, 20, 0.02))
    expect(verdictOf(c, P99)).toMatchObject({ verdict: 'regressed', basis: { test: 'welch' } })
  })

  test('direction per metric: throughput down and errors up are worse, latency down is better', () => {
    const before = runsAround(5, 20, 0.05, { rps: 100, errorRate: 0.01 })
    const after = runsAround(5, 10, 0.05, { rps: 50, errorRate: 0.05 })
    const c = compareRuns(before, after)
    expect(verdictOf(c, P99).verdict).toBe('improved')
    expect(verdictOf(c, 'http_reqs throughput').verdict).toBe('regressed')
    expect(verdictOf(c, 'http_req_failed error rate').verdict).toBe('regressed')
    expect(verdictOf(c, 'http_req_duration p99 {workload:readers}').verdict).toBe('improved')
  })

  test('interrupted runs are left out, and other seeds are noted', () => {
    const c = compareRuns(
      [...runsAround(4, 10, 0.05), syntheticSummary({ p99: 1000, status: 'interrupted' })],
      runsAround(4, 10, 0.05, { seed: 2 }),
    )
    expect(c.baselineRuns).toBe(4)
    expect(verdictOf(c, P99).verdict).toBe('unchanged')
    expect(c.notes.join('\n')).toContain('1 baseline run(s) left out')
    expect(c.notes.join('\n')).toContain('different seeds')
  })

  test('a change below the floor of its unit is never judged, however large its ratio', () => {
    const c = compareRuns([syntheticSummary({ p99: 0.01 })], [syntheticSummary({ p99: 0.04 })])
    expect(verdictOf(c, P99).verdict).toBe('unchanged')
  })
})

describe('helpers', () => {
  test('median()', () => {
    expect(median([3, 1, 2])).toBe(2)
    expect(median([4, 1, 3, 2])).toBe(2.5)
  })

  test('runsNeeded() grows as the effect shrinks against the noise', () => {
    const small = runsNeeded([10, 12, 8, 11], [11, 13, 9, 12], 0.05)
    const large = runsNeeded([10, 12, 8, 11], [20, 22, 18, 21], 0.05)
    expect(small).toBeGreaterThan(large)
    expect(large).toBeGreaterThanOrEqual(5)
  })

  test('parseTolerance() takes 10% or 0.1 and refuses a bare 10', () => {
    expect(parseTolerance('10%')).toBeCloseTo(0.1)
    expect(parseTolerance('0.05')).toBeCloseTo(0.05)
    expect(() => parseTolerance('10')).toThrow(/pass e.g. --tolerance 10%/)
    expect(() => parseTolerance('abc%')).toThrow(/not a percentage/)
  })
})
