import type { CheckResult } from '../checkers/verdict.js'
import type { HistoryEvent } from '../history/events.js'

/**
 * A checker: a pure function over the run's history and the target's snapshot taken after
 * quiescence. It must say `unknown` when it cannot decide, never `valid`.
 */
export type CheckerFn = (
  history: readonly HistoryEvent[],
  snapshot: unknown,
  options: Readonly<Record<string, unknown>>,
) => CheckResult | Promise<CheckResult>

/** A counter metric a checker's result feeds, from one of its `stats`. */
export interface CheckerMetric {
  /** The metric name thresholds use, e.g. `stale_reads`. */
  readonly name: string
  /** The key in `CheckResult.stats`, e.g. `stale`. */
  readonly stat: string
  readonly description: string
}

/** A checker as the registry holds it. */
export interface CheckerEntry {
  readonly name: string
  /** The guarantee ids it covers, e.g. `['C2', 'C3']`. */
  readonly guarantees: readonly string[]
  readonly description: string
  readonly run: CheckerFn
  /** Metrics its stats feed; a threshold on one needs the checker in the scenario's `checks`. */
  readonly metrics?: readonly CheckerMetric[]
}

/** The checkers a run can use, by name. */
export type CheckerRegistry = ReadonlyMap<string, CheckerEntry>

/** Makes a registry; a name used twice is a programming error. */
export function createCheckerRegistry(entries: readonly CheckerEntry[]): CheckerRegistry {
  const registry = new Map<string, CheckerEntry>()
  for (const entry of entries) {
    if (registry.has(entry.name)) throw new Error(`Checker '${entry.name}' is registered twice.`)
    registry.set(entry.name, entry)
  }
  return registry
}

/**
 * The built-in checkers (`packages/cli/src/checkers/`), registered here as they land. A run
 * without its own registry uses this one.
 */
export const builtInCheckers: CheckerRegistry = createCheckerRegistry([])
