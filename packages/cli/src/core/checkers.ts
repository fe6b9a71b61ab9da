import { runChecker, type Checker } from '../checkers/checker.js'
import { CHECKERS, type CheckerName } from '../checkers/registry.js'
import type { SystemSnapshot } from '../checkers/snapshot.js'
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
  /**
   * Checks a scenario's options before anything runs; throws naming the bad option.
   * @default every options object is accepted
   */
  readonly validateOptions?: (options: Readonly<Record<string, unknown>>) => void
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

/** The counter metrics each built-in checker's stats feed, for thresholds such as `stale_reads`. */
const CHECKER_METRICS: { readonly [K in CheckerName]: readonly CheckerMetric[] } = {
  staleness: [
    metric('stale_reads', 'stale', 'reads that returned a version older than the staleness bound'),
    metric('stale_token_reads', 'staleWithToken', 'token-holding reads older than the token'),
    metric('checked_reads', 'reads', 'reads the staleness checker judged'),
  ],
  herd: [
    metric('herd_over_bound', 'overBound', 'herds whose loader calls exceeded the bound'),
    metric('loader_calls', 'loaderCalls', 'loader calls counted over all herds'),
  ],
  delivery: [
    metric('lost_events', 'lost', 'outbox events never published to their topic'),
    metric('duplicate_applications', 'appliedMoreThanOnce', 'events applied more than once'),
    metric('out_of_order_applications', 'outOfOrder', 'events applied out of aggregate order'),
  ],
  convergence: [metric('diverged_read_models', 'diverged', 'read models unequal to their source')],
  sagas: [
    metric('stuck_sagas', 'stuck', 'sagas still running past their deadline'),
    metric('oversold_products', 'oversold', 'products sold beyond their stock'),
    metric('double_charges', 'doubleCharge', 'orders charged more than once'),
  ],
  errorBudget: [metric('fuzz_5xx', 'fuzz5xx', 'fuzz requests answered with a 5xx')],
  auth: [metric('bad_tokens_accepted', 'badTokenAccepted', 'invalid tokens a route accepted')],
}

function metric(name: string, stat: string, description: string): CheckerMetric {
  return { name, stat, description }
}

function entryOf(name: CheckerName): CheckerEntry {
  const checker = CHECKERS[name] as Checker<unknown>
  return {
    name: checker.name,
    guarantees: checker.guarantees,
    description: checker.description,
    metrics: CHECKER_METRICS[name],
    validateOptions: (options) => void checker.resolveOptions(options),
    run: (history, snapshot, options) =>
      runChecker(checker, history, (snapshot ?? {}) as SystemSnapshot, options),
  }
}

/**
 * The built-in checkers (`packages/cli/src/checkers/`: staleness, herd, delivery, convergence,
 * sagas, errorBudget, auth). A run without its own registry uses this one.
 */
export const builtInCheckers: CheckerRegistry = createCheckerRegistry(
  (Object.keys(CHECKERS) as CheckerName[]).map(entryOf),
)
