import { prepareChecks, runChecks } from '../checkers/registry.js'
import type { Counterexample } from '../checkers/verdict.js'
import { describeError } from '../core/errors.js'
import type { HistoryEvent } from '../history/events.js'
import { readHistory } from '../history/read.js'
import { ExcerptCollector, type HistoryExcerpt } from './history-excerpt.js'
import type { RunFilesRead } from './run-files.js'
import { StaleReadCollector, type StalePoint } from './staleness-points.js'

/** What the report takes from the history. */
export interface HistoryScan {
  readonly points: readonly StalePoint[]
  readonly excerpt: HistoryExcerpt
  readonly note: string
}

/** Violations the report links into the history excerpt (the rest are plotted only). */
const LINKED_VIOLATIONS = 200

const EMPTY: HistoryExcerpt = { rows: [], ids: [], truncated: false }

/**
 * Reads the history twice, streaming: first for the stale reads (every read older than an
 * acknowledged version, and the staleness checker's verdict on each, with the scenario's
 * options), then for the lines the counterexamples point at.
 */
export async function scanHistory(run: RunFilesRead): Promise<HistoryScan> {
  const file = run.historyFile
  if (file === undefined)
    return { points: [], excerpt: EMPTY, note: 'The run dir has no history.ndjson.' }
  try {
    const { points, violations, windowMs, ran } = await stalePoints(run, file)
    const ids = new Set<number>()
    for (const check of run.summary.checks)
      for (const example of check.counterexamples)
        for (const id of example.historyIds ?? []) ids.add(id)
    for (const example of violations.slice(0, LINKED_VIOLATIONS))
      for (const id of example.historyIds ?? []) ids.add(id)
    const excerpt = new ExcerptCollector(ids)
    for await (const event of history(file)) excerpt.observe(event)
    const how = ran
      ? `the scenario's staleness checker options (window ${windowMs} ms)`
      : `the staleness checker's defaults (window ${windowMs} ms; the scenario did not run it)`
    return {
      points,
      excerpt: excerpt.result(),
      note: `Reads that returned a version older than one acknowledged before they began. Red: violations by ${how}; grey: inside the window.`,
    }
  } catch (error) {
    return {
      points: [],
      excerpt: EMPTY,
      note: `The history could not be read: ${describeError(error)}`,
    }
  }
}

async function stalePoints(run: RunFilesRead, file: string) {
  const configured = run.checks.find((c) => c.name === 'staleness')
  const options = { ...asObject(configured?.options), maxCounterexamples: 100_000 }
  const [check] = prepareChecks([{ name: 'staleness', options }])
  const collector = new StaleReadCollector()
  const [result] = await runChecks([check!], tee(history(file), collector), {})
  const violations: readonly Counterexample[] = result?.counterexamples ?? []
  const windowMs = (check!.options as { windowMs: number }).windowMs
  return {
    points: collector.points(violations),
    violations,
    windowMs,
    ran: configured !== undefined,
  }
}

function history(file: string): AsyncGenerator<HistoryEvent> {
  return readHistory(file, { allowTruncatedTail: true })
}

async function* tee(
  source: AsyncIterable<HistoryEvent>,
  collector: StaleReadCollector,
): AsyncGenerator<HistoryEvent> {
  for await (const event of source) {
    collector.observe(event)
    yield event
  }
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {}
}
