import type { GuaranteeId } from './names.js'
import type { TopologyRequirements, UserOperation } from './types.js'

/** One operation of a resolved mix. */
export interface ResolvedOperation {
  readonly op: string
  readonly weight: number
  /** Set for a custom operation. */
  readonly user?: UserOperation
}

/** An open workload with every duration in ms and defaults filled in. */
export interface ResolvedOpenWorkload {
  readonly name: string
  readonly model: 'open'
  readonly startRate: number
  readonly timeUnitMs: number
  readonly stages: readonly { readonly target: number; readonly durationMs: number }[]
  readonly preAllocated: number
  readonly maxInFlight: number
  readonly maxBacklog: number
  readonly timeoutMs: number
  readonly durationMs: number
  readonly operations: readonly ResolvedOperation[]
}

/** A closed workload with every duration in ms and defaults filled in. */
export interface ResolvedClosedWorkload {
  readonly name: string
  readonly model: 'closed'
  readonly connections: number
  readonly pipelining: number
  readonly timeoutMs: number
  readonly durationMs: number
  readonly operations: readonly ResolvedOperation[]
}

/** A resolved workload. */
export type ResolvedWorkload = ResolvedOpenWorkload | ResolvedClosedWorkload

/**
 * A fault with times in ms; `repeat` expanded into one entry per occurrence. `params` holds the
 * kind's own values (durations in ms, e.g. `{ latencyMs: 100, jitterMs: 10 }`).
 */
export interface ResolvedFaultSpec {
  /** Index in the scenario's `faults` list, and the occurrence for a repeated fault. */
  readonly source: { readonly index: number; readonly occurrence: number }
  readonly kind: string
  /**
   * A process (`redis`, `catalog-query`), a link (`link:catalog-query->redis`), or for a herd
   * `catalog-query` (the tier it stampedes; `params.product` says which product).
   */
  readonly target: string
  readonly instance?: number | 'any'
  readonly atMs?: number
  readonly withinMs?: readonly [number, number]
  /** Undefined: until the load ends. */
  readonly durationMs?: number
  readonly params: Readonly<Record<string, number | string>>
}

/** A checker to run, with its options. */
export interface ResolvedCheck {
  readonly name: string
  readonly options: Readonly<Record<string, unknown>>
}

/** A scenario ready to run: overrides applied, every duration in ms. */
export interface ResolvedScenario {
  readonly name: string
  readonly description: string
  readonly guarantees: readonly GuaranteeId[]
  readonly topology: TopologyRequirements
  readonly workloads: readonly ResolvedWorkload[]
  readonly faults: readonly ResolvedFaultSpec[]
  readonly checks: readonly ResolvedCheck[]
  readonly thresholds: Readonly<Record<string, readonly string[]>>
  readonly quiesceMs: number
  /** The longest workload. */
  readonly loadDurationMs: number
  /** What was applied: `--smoke`, `--duration`, `--rate`. */
  readonly overrides: ResolveOptions
}

/** Overrides from the command line. */
export interface ResolveOptions {
  /** Use the smoke variant. */
  readonly smoke?: boolean
  /** Scale every time so the load lasts this long. */
  readonly durationMs?: number
  /** Scale the open workloads' rates so the peak is this many arrivals per second. */
  readonly rate?: number
}
