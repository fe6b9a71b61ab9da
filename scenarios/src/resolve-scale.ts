import type { ResolvedFaultSpec, ResolvedWorkload } from './resolved.js'

/** Scales every time of the load and the schedule so the load lasts `durationMs`. */
export function scaleTimes(
  workloads: ResolvedWorkload[],
  faults: ResolvedFaultSpec[],
  durationMs: number,
): { workloads: ResolvedWorkload[]; faults: ResolvedFaultSpec[] } {
  const longest = Math.max(0, ...workloads.map((w) => w.durationMs))
  if (longest === 0) return { workloads, faults }
  const factor = durationMs / longest
  const scale = (ms: number) => Math.round(ms * factor)
  return {
    workloads: workloads.map((w) => {
      if (w.model === 'closed') return { ...w, durationMs: scale(w.durationMs) }
      const stages = w.stages.map((s) => ({ ...s, durationMs: scale(s.durationMs) }))
      return { ...w, stages, durationMs: stages.reduce((sum, s) => sum + s.durationMs, 0) }
    }),
    faults: faults.map((f) => ({
      ...f,
      ...(f.atMs === undefined ? {} : { atMs: scale(f.atMs) }),
      ...(f.withinMs === undefined
        ? {}
        : { withinMs: [scale(f.withinMs[0]), scale(f.withinMs[1])] as const }),
      ...(f.durationMs === undefined ? {} : { durationMs: scale(f.durationMs) }),
    })),
  }
}

/** The highest arrival rate per second of the open workloads (0 when there are none). */
export function peakRatePerSecond(workloads: readonly ResolvedWorkload[]): number {
  let peak = 0
  for (const w of workloads) {
    if (w.model !== 'open') continue
    const perSecond = 1000 / w.timeUnitMs
    peak = Math.max(peak, w.startRate * perSecond, ...w.stages.map((s) => s.target * perSecond))
  }
  return peak
}

/** Scales every open workload's rates by one factor so the peak is `rate` per second. */
export function scaleRates(workloads: ResolvedWorkload[], rate: number): ResolvedWorkload[] {
  const peak = peakRatePerSecond(workloads)
  if (peak === 0) return workloads
  const factor = rate / peak
  return workloads.map((w) =>
    w.model === 'closed'
      ? w
      : {
          ...w,
          startRate: w.startRate * factor,
          stages: w.stages.map((s) => ({ ...s, target: s.target * factor })),
        },
  )
}
