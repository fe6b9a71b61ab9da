import type { ResolvedFaultSpec, ResolvedScenario } from '@faultline/scenarios'
import type { SeededRandom } from './random.js'

/** A fault with its times fixed: what the fault runner applies and `scenario.json` records. */
export interface ScheduledFault {
  /** 1-based, in start order; the history's fault events carry it. */
  readonly id: number
  readonly kind: string
  /**
   * `redis`, `catalog-query#1` (service instance), `link:catalog-query->redis`, or
   * `catalog-query` (a scale, or a herd: `params.product` says which product).
   */
  readonly target: string
  /** ms after load start. */
  readonly startMs: number
  /** ms after load start; faults without a duration last until the load ends. */
  readonly endMs: number
  /** The kind's values, e.g. `{ latencyMs: 100 }` or `{ instances: 3 }`. */
  readonly params: Readonly<Record<string, number | string>>
  /** Where it came from in the scenario (`faults[index]`, repetition `occurrence`). */
  readonly source: { readonly index: number; readonly occurrence: number }
}

/** Services whose instances a fault names as `service#n`. */
const INFRA = new Set(['postgres', 'postgres-replica', 'redis', 'kafka'])

/**
 * Fixes the times of a scenario's faults from the seed: `within` windows become a start, `'any'`
 * instances an index. Draws come from the `faults` stream in the scenario's order, so the same seed
 * always gives the same schedule.
 */
export function resolveSchedule(
  scenario: ResolvedScenario,
  random: SeededRandom,
): ScheduledFault[] {
  const stream = random.fork('faults')
  const replicas = scenario.topology.replicas?.['catalog-query'] ?? 1
  const loadMs = scenario.loadDurationMs
  const draft = scenario.faults.map((spec) => {
    const startMs = pickStart(spec, stream)
    const endMs = Math.min(
      loadMs,
      spec.durationMs === undefined ? loadMs : startMs + spec.durationMs,
    )
    return {
      kind: spec.kind,
      target: targetName(spec, stream, replicas),
      startMs,
      endMs: spec.kind === 'restart' ? startMs : endMs,
      params: spec.params,
      source: spec.source,
    }
  })
  return draft
    .map((fault, order) => ({ fault, order }))
    .sort((a, b) => a.fault.startMs - b.fault.startMs || a.order - b.order)
    .map(({ fault }, index) => ({ id: index + 1, ...fault }))
}

function pickStart(spec: ResolvedFaultSpec, stream: SeededRandom): number {
  if (spec.atMs !== undefined) return spec.atMs
  const [from, to] = spec.withinMs ?? [0, 0]
  return from + Math.floor(stream.next() * (to - from + 1))
}

function targetName(spec: ResolvedFaultSpec, stream: SeededRandom, replicas: number): string {
  // A scale and a herd act on the catalog-query tier as a whole, not on one instance.
  const wholeTier = spec.kind === 'scale' || spec.kind === 'herd'
  if (spec.target.startsWith('link:') || INFRA.has(spec.target) || wholeTier) return spec.target
  const count = spec.target === 'catalog-query' ? replicas : 1
  const instance = spec.instance === 'any' ? stream.int(count) : (spec.instance ?? 0)
  return `${spec.target}#${instance}`
}
