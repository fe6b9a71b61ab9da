import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

/**
 * Soak-test helpers: run a component for a fixed number of cycles at a steady load, sample what
 * could leak after each cycle, and check that each series stays flat. A test utility (like the
 * rest of this package, a dev dependency of the kits); it never throws.
 */

/** A least-squares line through samples taken at x = 0, 1, 2, … */
export interface LineFit {
  /** Change per sample. */
  readonly slope: number
  readonly intercept: number
  readonly mean: number
}

/** The least-squares line through `samples` (x is the sample's index). */
export function fitLine(samples: readonly number[]): LineFit {
  const count = samples.length
  const mean = count === 0 ? 0 : samples.reduce((sum, value) => sum + value, 0) / count
  if (count < 2) return { slope: 0, intercept: mean, mean }
  const meanX = (count - 1) / 2
  let covariance = 0
  let varianceX = 0
  samples.forEach((value, index) => {
    covariance += (index - meanX) * (value - mean)
    varianceX += (index - meanX) ** 2
  })
  const slope = covariance / varianceX
  return { slope, intercept: mean - slope * meanX, mean }
}

/** How flat a series must be; see {@link checkFlat}. */
export interface FlatOptions {
  /**
   * Largest growth over the run (the fitted line's rise from the first sample to the last)
   * allowed, as a fraction of the series' mean: 0.1 allows a rise of 10 % of the mean.
   */
  readonly maxRelativeGrowth: number
  /** Growth up to this many units always passes (e.g. 2 handles, 1 connection). @default 0 */
  readonly absoluteTolerance?: number
  /** Samples to drop from the start (warm-up: JIT, caches filling). @default 0 */
  readonly skip?: number
}

/** What {@link checkFlat} found. */
export interface FlatVerdict {
  readonly name: string
  /** True when the series did not grow past the allowance. Shrinking always passes. */
  readonly flat: boolean
  /** The fitted line's rise over the checked samples: slope × (samples − 1). */
  readonly growth: number
  /** `growth` as a fraction of the mean. */
  readonly relativeGrowth: number
  readonly fit: LineFit
  /** The samples that were checked (after `skip`). */
  readonly samples: readonly number[]
  /** One line for logs and assertion messages. */
  readonly summary: string
}

/**
 * Checks that `samples` stay flat: fits a least-squares line (so one noisy sample does not decide)
 * and compares its rise over the run with `maxRelativeGrowth` × the mean. Fewer than 3 samples
 * after `skip` is never flat: there is nothing to fit.
 */
export function checkFlat(
  name: string,
  samples: readonly number[],
  options: FlatOptions,
): FlatVerdict {
  const checked = samples.slice(options.skip ?? 0)
  const fit = fitLine(checked)
  const growth = fit.slope * Math.max(0, checked.length - 1)
  const relativeGrowth = fit.mean === 0 ? (growth === 0 ? 0 : Infinity) : growth / fit.mean
  const allowance = Math.max(
    options.maxRelativeGrowth * Math.abs(fit.mean),
    options.absoluteTolerance ?? 0,
  )
  const flat = checked.length >= 3 && growth <= allowance
  const summary =
    `${name}: ${flat ? 'flat' : 'GROWS'} over ${checked.length} samples, mean ${round(fit.mean)}, ` +
    `growth ${round(growth)} (${(relativeGrowth * 100).toFixed(1)} % of the mean; allowed ${round(allowance)}); ` +
    `first ${round(checked[0])}, last ${round(checked.at(-1))}`
  return { name, flat, growth, relativeGrowth, fit, samples: checked, summary }
}

let gc: (() => void) | undefined

/**
 * Runs a full garbage collection, so a heap sample counts live objects only. Works without
 * `--expose-gc` on the command line (it enables the flag and fetches `gc` from a fresh context).
 */
export function collectGarbage(): void {
  if (gc === undefined) {
    setFlagsFromString('--expose-gc')
    gc = runInNewContext('gc') as () => void
  }
  // Twice: the first pass can leave objects that finalizers or weak callbacks free for the second.
  gc()
  gc()
}

/** One sample of what a long-running process can leak. */
export interface ProcessSample {
  /** `process.memoryUsage().heapUsed` right after a full GC. */
  readonly heapBytes: number
  /** Handles and requests keeping the event loop alive (`process.getActiveResourcesInfo()`). */
  readonly activeResources: number
}

/** Collects garbage, then samples the heap and the active resources. */
export function sampleProcess(): ProcessSample {
  collectGarbage()
  return {
    heapBytes: process.memoryUsage().heapUsed,
    activeResources: process.getActiveResourcesInfo().length,
  }
}

function round(value: number | undefined): string {
  if (value === undefined) return '-'
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(2)
}
