import type { RunSummary } from '../core/summary-types.js'
import { normalQuantile } from './distributions.js'
import { mannWhitneyU, smallestExactP } from './mann-whitney.js'
import { metricPoints, type Better, type MetricPoint } from './metrics.js'
import { meanVariance, welchTTest } from './welch.js'

/** A metric's verdict. */
export type ChangeVerdict = 'improved' | 'regressed' | 'unchanged' | 'inconclusive'

/** Options of {@link compareRuns}. */
export interface CompareOptions {
  /** Relative change below which a metric is unchanged, e.g. 0.1 for 10 %. @default 0.1 */
  readonly tolerance?: number
  /** Significance level of the test. @default 0.05 */
  readonly alpha?: number
}

/** One metric compared across the two sides. */
export interface MetricComparison {
  readonly id: string
  readonly unit: MetricPoint['unit']
  readonly better: Better
  readonly baseline: readonly number[]
  readonly current: readonly number[]
  readonly baselineMedian: number
  readonly currentMedian: number
  /** (current − baseline) / |baseline| of the medians; null when the baseline is 0. */
  readonly change: number | null
  readonly verdict: ChangeVerdict
  /** How the verdict was reached: a test and its p-value, or the tolerance alone. */
  readonly basis: { readonly test: 'mann-whitney' | 'welch' | 'tolerance'; readonly p?: number }
  /** For an inconclusive or single-run verdict: runs per side that would let a test decide. */
  readonly runsNeeded?: number
}

/** The comparison of two sets of runs. */
export interface Comparison {
  readonly baselineRuns: number
  readonly currentRuns: number
  readonly tolerance: number
  readonly alpha: number
  readonly metrics: readonly MetricComparison[]
  readonly regressions: readonly MetricComparison[]
  /** What makes the comparison less fair: other scenarios, seeds, machines, runs left out. */
  readonly notes: readonly string[]
}

/** Changes smaller than this (in the metric's unit) are never judged, whatever their ratio. */
const FLOOR: Readonly<Record<MetricPoint['unit'], number>> = {
  ms: 0.05,
  ratio: 0.001,
  '/s': 0.1,
  count: 0.5,
}

/** Power the run-count estimate aims at. */
const POWER = 0.8
/** Runs a side below which Mann–Whitney cannot reach p < 0.05 at all (2/C(6,3) = 0.1). */
const MIN_MANN_WHITNEY = 4
/** Asymptotic relative efficiency of Mann–Whitney against the t-test for normal data (3/π). */
const ARE = 3 / Math.PI

/**
 * Compares runs metric by metric. A change within the tolerance (or below the metric's floor) is
 * `unchanged`. Beyond it:
 * - one run on either side: no test is possible; the change is `regressed` or `improved` on the
 *   tolerance alone (`basis.test: 'tolerance'`), and `runsNeeded` says how many runs a test needs;
 * - two or more a side: Mann–Whitney U when the sizes can reach `alpha` (four or more a side),
 *   else Welch's t; significant → `regressed`/`improved`, else `inconclusive` with the runs per
 *   side a test would need to tell a change of this size from the noise seen.
 */
export function compareRuns(
  baseline: readonly RunSummary[],
  current: readonly RunSummary[],
  options: CompareOptions = {},
): Comparison {
  const tolerance = options.tolerance ?? 0.1
  const alpha = options.alpha ?? 0.05
  const notes: string[] = []
  const a = usable(baseline, 'baseline', notes)
  const b = usable(current, 'current', notes)
  notes.push(...fairness([...a, ...b]))
  const aPoints = a.map(metricPoints)
  const bPoints = b.map(metricPoints)
  const ids = [...new Set(aPoints.flatMap((m) => [...m.keys()]))].filter((id) =>
    bPoints.some((m) => m.has(id)),
  )
  const metrics = ids.map((id) =>
    compareMetric(
      aPoints.flatMap((m) => (m.has(id) ? [m.get(id) as MetricPoint] : [])),
      bPoints.flatMap((m) => (m.has(id) ? [m.get(id) as MetricPoint] : [])),
      tolerance,
      alpha,
    ),
  )
  return {
    baselineRuns: a.length,
    currentRuns: b.length,
    tolerance,
    alpha,
    metrics,
    regressions: metrics.filter((m) => m.verdict === 'regressed'),
    notes,
  }
}

function compareMetric(
  a: readonly MetricPoint[],
  b: readonly MetricPoint[],
  tolerance: number,
  alpha: number,
): MetricComparison {
  const first = a[0] as MetricPoint
  const baseline = a.map((p) => p.value)
  const current = b.map((p) => p.value)
  const baselineMedian = median(baseline)
  const currentMedian = median(current)
  const diff = currentMedian - baselineMedian
  const change = baselineMedian === 0 ? null : diff / Math.abs(baselineMedian)
  const base = {
    id: first.id,
    unit: first.unit,
    better: first.better,
    baseline,
    current,
    baselineMedian,
    currentMedian,
    change,
  }
  const beyond =
    Math.abs(diff) > FLOOR[first.unit] && (change === null || Math.abs(change) > tolerance)
  if (!beyond) return { ...base, verdict: 'unchanged', basis: { test: 'tolerance' } }
  const direction: ChangeVerdict =
    (first.better === 'lower') === diff > 0 ? 'regressed' : 'improved'
  if (a.length < 2 || b.length < 2)
    return {
      ...base,
      verdict: direction,
      basis: { test: 'tolerance' },
      runsNeeded: MIN_MANN_WHITNEY,
    }
  const useRanks = smallestExactP(a.length, b.length) <= alpha
  const p = useRanks ? mannWhitneyU(baseline, current).p : welchTTest(baseline, current).p
  const test = useRanks ? 'mann-whitney' : 'welch'
  if (p < alpha) return { ...base, verdict: direction, basis: { test, p } }
  return {
    ...base,
    verdict: 'inconclusive',
    basis: { test, p },
    runsNeeded: runsNeeded(baseline, current, alpha),
  }
}

/**
 * Runs per side for a two-sided test at `alpha` to detect the observed difference of means with
 * 80 % power, given the observed spread (normal approximation, inflated by 1/ARE for ranks); at
 * least four, so Mann–Whitney can decide at all.
 */
export function runsNeeded(a: readonly number[], b: readonly number[], alpha: number): number {
  const x = meanVariance(a)
  const y = meanVariance(b)
  const delta = Math.abs(y.mean - x.mean)
  const variance = (x.variance + y.variance) / 2
  if (delta === 0) return Number.POSITIVE_INFINITY
  const z = normalQuantile(1 - alpha / 2) + normalQuantile(POWER)
  const n = Math.ceil((2 * z * z * variance) / (delta * delta) / ARE)
  return Math.max(MIN_MANN_WHITNEY, Math.max(a.length, b.length) + 1, n)
}

function usable(runs: readonly RunSummary[], side: string, notes: string[]): RunSummary[] {
  const kept = runs.filter((r) => r.status === 'passed' || r.status === 'failed')
  const left = runs.length - kept.length
  if (left > 0)
    notes.push(`${left} ${side} run(s) left out: interrupted or errored runs have partial metrics.`)
  return kept
}

function fairness(runs: readonly RunSummary[]): string[] {
  const notes: string[] = []
  const distinct = (f: (r: RunSummary) => string) => [...new Set(runs.map(f))]
  const scenarios = distinct((r) => r.scenario.name)
  if (scenarios.length > 1)
    notes.push(`The runs are of different scenarios: ${scenarios.join(', ')}.`)
  const machines = distinct((r) =>
    r.machine === undefined ? 'unrecorded' : `${r.machine.cpuModel} x${r.machine.cores}`,
  )
  if (machines.length > 1) notes.push(`The runs ran on different machines: ${machines.join('; ')}.`)
  const seeds = distinct((r) => String(r.seed))
  if (seeds.length > 1)
    notes.push(
      `The runs used different seeds (${seeds.join(', ')}): their fault schedules and operation mixes differ.`,
    )
  const loads = distinct((r) => String(Math.round(r.loadDurationMs / 1000)))
  if (loads.length > 1)
    notes.push(`The runs' load lasted differently long (${loads.join(', ')} s).`)
  return notes
}

/** The median (mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}
