import { existsSync, readFileSync, statSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { CliError } from '../core/errors.js'
import type { MetricsSampledEvent } from '../core/events.js'
import type { RunSummary } from '../core/summary-types.js'

/** What a run directory holds, read for a report or a comparison. */
export interface RunFilesRead {
  readonly dir: string
  readonly summary: RunSummary
  /** The per-second samples (`timeline.ndjson`); empty when the file is missing. */
  readonly timeline: readonly MetricsSampledEvent[]
  /** `history.ndjson`, when present. */
  readonly historyFile?: string
  /** The scenario's checks as run (`scenario.json`), for the checkers' options. */
  readonly checks: readonly { readonly name: string; readonly options?: unknown }[]
}

/** Reads `summary.json` from a run directory or the file itself; fails naming what to pass. */
export function readSummary(path: string): RunSummary {
  const file = summaryFile(path)
  let value: unknown
  try {
    value = JSON.parse(readFileSync(file, 'utf8'))
  } catch (cause) {
    throw new CliError(
      'E_CLI_IO',
      `Cannot read ${file} as JSON (${(cause as Error).message}); pass a run directory that faultline run wrote, or its summary.json.`,
      { cause, context: { file } },
    )
  }
  const schema = (value as { schema?: unknown } | null)?.schema
  if (schema !== 'faultline.summary/v1') {
    throw new CliError(
      'E_CLI_IO',
      `${file} is not a faultline summary (schema ${JSON.stringify(schema)}, expected "faultline.summary/v1").`,
      { context: { file } },
    )
  }
  return value as RunSummary
}

/** Reads a run directory: the summary, the timeline and where the history is. */
export function readRunFiles(path: string): RunFilesRead {
  const file = summaryFile(path)
  const dir = dirname(file)
  const summary = readSummary(file)
  const history = join(dir, 'history.ndjson')
  return {
    dir,
    summary,
    timeline: readTimeline(join(dir, 'timeline.ndjson')),
    ...(existsSync(history) ? { historyFile: history } : {}),
    checks: readChecks(join(dir, 'scenario.json')),
  }
}

function summaryFile(path: string): string {
  const full = resolve(path)
  if (existsSync(full) && statSync(full).isDirectory()) {
    const file = join(full, 'summary.json')
    if (!existsSync(file)) {
      throw new CliError(
        'E_CLI_IO',
        `${full} has no summary.json; pass a run directory that faultline run wrote (or the parent of --repeat runs where a command takes several).`,
        { context: { file: full } },
      )
    }
    return file
  }
  if (!existsSync(full) || basename(full) === '')
    throw new CliError(
      'E_CLI_IO',
      `${full} does not exist; pass a run directory or a summary.json.`,
      {
        context: { file: full },
      },
    )
  return full
}

/** Parses `timeline.ndjson`; a torn last line (a killed run) is skipped. */
function readTimeline(file: string): MetricsSampledEvent[] {
  if (!existsSync(file)) return []
  const out: MetricsSampledEvent[] = []
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue
    try {
      const event = JSON.parse(line) as MetricsSampledEvent
      if (event.type === 'metrics:sampled') out.push(event)
    } catch {
      // Only the last line can be torn; a sample less does not change the picture.
    }
  }
  return out
}

function readChecks(file: string): { name: string; options?: unknown }[] {
  if (!existsSync(file)) return []
  try {
    const record = JSON.parse(readFileSync(file, 'utf8')) as {
      scenario?: { checks?: { name: string; options?: unknown }[] }
    }
    return Array.isArray(record.scenario?.checks) ? record.scenario.checks : []
  } catch {
    return []
  }
}
