import type { CheckResult } from '../checkers/verdict.js'
import type { HistoryEvent } from '../history/events.js'
import type { CheckerEntry } from './checkers.js'
import { describeError } from './errors.js'
import { readHistory } from './history/reader.js'
import { emitEvent, phase, warn, type RunState } from './run-execute.js'
import { summarizeCheck } from './summary-build.js'
import type { Target } from './target.js'

/** Inspects the target and runs the scenario's checkers over the history and the snapshot. */
export async function checkAndEvaluate(state: RunState, target: Target): Promise<void> {
  const { prepared } = state
  if (prepared.scenario.checks.length === 0) return
  phase(state, 'inspecting')
  let snapshot: unknown
  try {
    snapshot = await target.inspect()
  } catch (error) {
    warn(state, `could not inspect the target: ${describeError(error)}; checkers get no snapshot`)
  }
  state.recorder.flush()
  const history = await readHistory(state.files.history)
  phase(state, 'checking')
  for (const check of prepared.scenario.checks) {
    if (state.signal.aborted) return
    const checker = prepared.checkers.get(check.name) as CheckerEntry
    const result = await runChecker(checker, history, snapshot, check.options)
    recordCheckMetrics(state, checker, result)
    const summary = summarizeCheck(result)
    state.checks.push(summary)
    emitEvent(state, { type: 'check:finished', check: summary })
  }
}

async function runChecker(
  checker: CheckerEntry,
  history: readonly HistoryEvent[],
  snapshot: unknown,
  options: Readonly<Record<string, unknown>>,
): Promise<CheckResult> {
  try {
    return await checker.run(history, snapshot, options)
  } catch (error) {
    // A checker that crashes has not decided anything: unknown, which fails the run.
    return {
      name: checker.name,
      guarantees: checker.guarantees,
      verdict: 'unknown',
      summary: `the checker failed: ${describeError(error)}`,
      counterexamples: [],
      stats: {},
    }
  }
}

function recordCheckMetrics(state: RunState, checker: CheckerEntry, result: CheckResult): void {
  const metrics = state.prepared.metrics
  metrics.add('checks', result.verdict === 'valid' ? 1 : 0, { check: checker.name })
  if (result.verdict === 'unknown') return
  for (const metric of checker.metrics ?? []) {
    const value = result.stats[metric.stat]
    if (value !== undefined) metrics.add(metric.name, value)
  }
}
