import { studentTCdf } from './distributions.js'

/** A two-sided Welch's t-test outcome. */
export interface WelchResult {
  readonly t: number
  /** Welch–Satterthwaite degrees of freedom. */
  readonly df: number
  /** Two-sided p-value. */
  readonly p: number
}

/** Mean and sample variance (n − 1). */
export function meanVariance(values: readonly number[]): { mean: number; variance: number } {
  const mean = values.reduce((s, v) => s + v, 0) / values.length
  const variance =
    values.length < 2 ? 0 : values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1)
  return { mean, variance }
}

/**
 * Welch's unequal-variances t-test, two-sided, as scipy's `ttest_ind(equal_var=False)`. Needs two
 * values a side. When both sides have no variance, the p-value is 1 for equal means and 0 otherwise.
 */
export function welchTTest(a: readonly number[], b: readonly number[]): WelchResult {
  if (a.length < 2 || b.length < 2) throw new RangeError('welchTTest() needs two values a side')
  const x = meanVariance(a)
  const y = meanVariance(b)
  const va = x.variance / a.length
  const vb = y.variance / b.length
  if (va + vb === 0) return { t: 0, df: a.length + b.length - 2, p: x.mean === y.mean ? 1 : 0 }
  const t = (x.mean - y.mean) / Math.sqrt(va + vb)
  const df = (va + vb) ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1))
  return { t, df, p: Math.min(1, 2 * studentTCdf(-Math.abs(t), df)) }
}
