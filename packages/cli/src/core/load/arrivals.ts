import type { ResolvedOpenWorkload } from '@faultline/scenarios'

/**
 * The intended start times of an open workload, in ms after load start, like k6's
 * `ramping-arrival-rate`: the rate moves linearly through each stage, and the k-th arrival is due
 * when the integral of the rate reaches k. Computed lazily, so a long run holds no list.
 */
export function* arrivalTimes(workload: ResolvedOpenWorkload): Generator<number, void, void> {
  const perMs = 1 / workload.timeUnitMs
  let stageStart = 0
  let fromRate = workload.startRate * perMs
  let countBefore = 0
  let k = 1
  for (const stage of workload.stages) {
    const toRate = stage.target * perMs
    const duration = stage.durationMs
    const inStage = ((fromRate + toRate) / 2) * duration
    while (k - countBefore <= inStage + 1e-9) {
      const t = timeFor(k - countBefore, fromRate, toRate, duration)
      if (t === undefined || t > duration) break
      yield stageStart + t
      k++
    }
    countBefore += inStage
    stageStart += duration
    fromRate = toRate
  }
}

/** The time into a stage at which `need` arrivals have accrued (rate linear from a to b). */
function timeFor(need: number, a: number, b: number, duration: number): number | undefined {
  const slope = (b - a) / (2 * duration)
  if (Math.abs(slope) < 1e-15) return a > 0 ? need / a : undefined
  const discriminant = a * a + 4 * slope * need
  if (discriminant < 0) return undefined
  // 2c / (b + sqrt(b^2 - 4ac)): the stable root, valid for ramps up and down.
  const denominator = a + Math.sqrt(discriminant)
  return denominator > 0 ? (2 * need) / denominator : undefined
}

/** How many arrivals a workload makes in all (the integral of its rate, rounded down). */
export function expectedArrivals(workload: ResolvedOpenWorkload): number {
  let total = 0
  let from = workload.startRate
  for (const stage of workload.stages) {
    total += ((from + stage.target) / 2) * (stage.durationMs / workload.timeUnitMs)
    from = stage.target
  }
  return Math.floor(total + 1e-9)
}
