import { parseDuration } from './duration.js'
import type { ResolvedFaultSpec } from './resolved.js'
import type { FaultSpec } from './types.js'

const TIMING_FIELDS = new Set([
  'kind',
  'at',
  'within',
  'duration',
  'repeat',
  'target',
  'instance',
  'link',
])
const DURATION_PARAMS = new Set(['latency', 'jitter', 'timeout'])

/** Turns one fault spec into its occurrences, times in ms. */
export function resolveFault(spec: FaultSpec, index: number): ResolvedFaultSpec[] {
  const times = spec.repeat?.times ?? 1
  const everyMs = spec.repeat === undefined ? 0 : parseDuration(spec.repeat.every)
  const base = {
    kind: spec.kind,
    target: targetOf(spec),
    ...('instance' in spec && spec.instance !== undefined ? { instance: spec.instance } : {}),
    ...(spec.duration === undefined ? {} : { durationMs: parseDuration(spec.duration) }),
    // A herd's product defaults to the first, so the schedule names the one it will hit.
    params: spec.kind === 'herd' ? { product: 0, ...params(spec) } : params(spec),
  }
  const atMs = spec.at === undefined ? undefined : parseDuration(spec.at)
  const within = spec.within === undefined ? undefined : spec.within.map((d) => parseDuration(d))
  return Array.from({ length: times }, (_, occurrence) => {
    const shift = occurrence * everyMs
    return {
      ...base,
      source: { index, occurrence },
      ...(atMs === undefined ? {} : { atMs: atMs + shift }),
      ...(within === undefined
        ? {}
        : { withinMs: [(within[0] as number) + shift, (within[1] as number) + shift] as const }),
    }
  })
}

/** What the fault hits: a link, a process, or (a herd) the catalog-query tier. */
function targetOf(spec: FaultSpec): string {
  if ('link' in spec) return `link:${spec.link}`
  return spec.kind === 'herd' ? 'catalog-query' : spec.target
}

/** The kind's own values; durations become `<name>Ms`. */
function params(spec: FaultSpec): Record<string, number | string> {
  const out: Record<string, number | string> = {}
  for (const [key, value] of Object.entries(spec)) {
    if (TIMING_FIELDS.has(key) || value === undefined) continue
    if (DURATION_PARAMS.has(key)) out[`${key}Ms`] = parseDuration(value)
    else if (typeof value === 'number' || typeof value === 'string') out[key] = value
  }
  return out
}
