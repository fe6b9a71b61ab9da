import type { HistoryEvent } from '../history/events.js'
import type { SystemSnapshot } from './snapshot.js'
import type { CheckResult } from './verdict.js'

/**
 * A checker: a pure function of a run's history and its {@link SystemSnapshot}, taken in one
 * streaming pass. {@link Checker.begin} starts a pass, `observe()` takes the history's events in
 * file order (only its own summary state is kept, never the whole history), and `finish()` takes
 * the snapshot and returns the verdict. `unknown` is never a pass.
 */
export interface Checker<Options> {
  /** The name scenarios use, e.g. `staleness`. */
  readonly name: string
  /** The guarantee ids of DESIGN.md it covers. */
  readonly guarantees: readonly string[]
  /** One sentence: what a `valid` verdict proves. */
  readonly description: string
  /** Every option with its default. */
  readonly defaults: Readonly<Options>
  /**
   * Checks options given by a scenario (unknown names, wrong types) and fills in the defaults.
   * @throws CheckerError `E_CLI_INVALID_OPTION`, naming the option and what it accepts.
   */
  resolveOptions(raw?: unknown): Options
  /** Starts one pass over a history. */
  begin(options: Options): CheckerPass
}

/** One pass of a checker over one history. */
export interface CheckerPass {
  observe(event: HistoryEvent): void
  finish(snapshot: SystemSnapshot): CheckResult
}

/** A history given whole, or as a stream (e.g. `readHistory(path)`). */
export type HistorySource = Iterable<HistoryEvent> | AsyncIterable<HistoryEvent>

/**
 * Runs one checker over an in-memory history: `(history, snapshot, options) => CheckResult`.
 * Options are validated as a scenario's would be.
 */
export function runChecker<O>(
  checker: Checker<O>,
  history: Iterable<HistoryEvent>,
  snapshot: SystemSnapshot = {},
  options?: Partial<O>,
): CheckResult {
  const pass = checker.begin(checker.resolveOptions(options))
  for (const event of history) pass.observe(event)
  return pass.finish(snapshot)
}

/** Feeds a history, whole or streamed, to several passes at once: the history is read once. */
export async function feedPasses(
  passes: readonly CheckerPass[],
  history: HistorySource,
): Promise<void> {
  if (Symbol.asyncIterator in history) {
    for await (const event of history) for (const pass of passes) pass.observe(event)
  } else {
    for (const event of history) for (const pass of passes) pass.observe(event)
  }
}
