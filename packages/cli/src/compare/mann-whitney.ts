import { normalCdf } from './distributions.js'

/** A two-sided Mann–Whitney U test's outcome. */
export interface MannWhitneyResult {
  /** U of the first sample: pairs where it is larger, ties counting one half (scipy's U1). */
  readonly u: number
  /** Two-sided p-value. */
  readonly p: number
  readonly method: 'exact' | 'normal'
}

/** Sample sizes up to which the exact distribution is used when there are no ties. */
const EXACT_MAX_PRODUCT = 400

/**
 * The two-sided Mann–Whitney U test (Wilcoxon rank-sum). Without ties and for small samples the
 * p-value comes from U's exact distribution; otherwise from the normal approximation with the
 * tie correction and a continuity correction of 0.5, as scipy's `mannwhitneyu` computes them.
 */
export function mannWhitneyU(a: readonly number[], b: readonly number[]): MannWhitneyResult {
  const n1 = a.length
  const n2 = b.length
  if (n1 === 0 || n2 === 0) throw new RangeError('mannWhitneyU() needs at least one value a side')
  const { rankSumA, tieTerm } = ranks(a, b)
  const u = rankSumA - (n1 * (n1 + 1)) / 2
  if (tieTerm === 0 && n1 * n2 <= EXACT_MAX_PRODUCT)
    return { u, p: exactP(u, n1, n2), method: 'exact' }
  const n = n1 + n2
  const mean = (n1 * n2) / 2
  const sd = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))))
  if (sd === 0) return { u, p: 1, method: 'normal' }
  const z = (Math.max(u, n1 * n2 - u) - mean - 0.5) / sd
  return { u, p: Math.min(1, 2 * (1 - normalCdf(z))), method: 'normal' }
}

/** The smallest two-sided p-value the exact test can give with these sizes (all of one side larger). */
export function smallestExactP(n1: number, n2: number): number {
  return Math.min(1, 2 / binomial(n1 + n2, n1))
}

/** Rank sum of `a` in the pooled sample (average ranks for ties), and Σ(t³ − t) over tie groups. */
function ranks(a: readonly number[], b: readonly number[]): { rankSumA: number; tieTerm: number } {
  const pooled = [...a.map((v) => ({ v, fromA: true })), ...b.map((v) => ({ v, fromA: false }))]
  pooled.sort((x, y) => x.v - y.v)
  let rankSumA = 0
  let tieTerm = 0
  for (let i = 0; i < pooled.length;) {
    let j = i
    while (j + 1 < pooled.length && pooled[j + 1]?.v === pooled[i]?.v) j++
    const rank = (i + j) / 2 + 1
    const size = j - i + 1
    if (size > 1) tieTerm += size ** 3 - size
    for (let k = i; k <= j; k++) if (pooled[k]?.fromA === true) rankSumA += rank
    i = j + 1
  }
  return { rankSumA, tieTerm }
}

/** Two-sided exact p: twice the smaller tail of U's distribution at u, at most 1. */
function exactP(u: number, n1: number, n2: number): number {
  const counts = uDistribution(n1, n2)
  const total = counts.reduce((s, c) => s + c, 0)
  const k = Math.round(Math.max(u, n1 * n2 - u))
  let upper = 0
  for (let x = k; x < counts.length; x++) upper += counts[x] as number
  return Math.min(1, (2 * upper) / total)
}

/**
 * How many orderings give each U for sizes n1, n2: the recurrence
 * f(i, j, u) = f(i − 1, j, u − j) + f(i, j − 1, u), built up one sample size at a time.
 */
function uDistribution(n1: number, n2: number): number[] {
  // table[j] holds the distribution for (i, j) as i grows.
  let table: number[][] = Array.from({ length: n2 + 1 }, () => [1])
  for (let i = 1; i <= n1; i++) {
    const next: number[][] = [[1]]
    for (let j = 1; j <= n2; j++) {
      const size = i * j + 1
      const row = new Array<number>(size).fill(0)
      const left = table[j] as number[] // f(i-1, j, ·)
      const down = next[j - 1] as number[] // f(i, j-1, ·)
      for (let u = 0; u < size; u++) row[u] = (u - j >= 0 ? (left[u - j] ?? 0) : 0) + (down[u] ?? 0)
      next.push(row)
    }
    table = next
  }
  return table[n2] as number[]
}

function binomial(n: number, k: number): number {
  let result = 1
  for (let i = 1; i <= k; i++) result = (result * (n - k + i)) / i
  return result
}
