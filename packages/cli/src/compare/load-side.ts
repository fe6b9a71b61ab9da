import { existsSync, readdirSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { CliError } from '../core/errors.js'
import type { RunSummary } from '../core/summary-types.js'
import { readSummary } from '../report/run-files.js'

/**
 * The runs of one side of a comparison: a `summary.json`, a run directory, or the parent of
 * several run directories (what `faultline run --repeat N` writes), in name order.
 */
export function readSide(path: string): RunSummary[] {
  const full = resolve(path)
  if (!existsSync(full))
    throw new CliError(
      'E_CLI_COMPARE',
      `${full} does not exist; pass a run directory, its summary.json, or the parent of --repeat runs.`,
      {
        context: { file: full },
      },
    )
  if (!statSync(full).isDirectory() || existsSync(join(full, 'summary.json')))
    return [readSummary(full)]
  const runs = readdirSync(full, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(full, entry.name, 'summary.json')))
    .map((entry) => entry.name)
    .sort((x, y) => x.localeCompare(y, undefined, { numeric: true }))
  if (runs.length === 0)
    throw new CliError(
      'E_CLI_COMPARE',
      `${full} holds no summary.json, nor run directories with one; pass what faultline run (--repeat) wrote.`,
      {
        context: { file: full },
      },
    )
  return runs.map((name) => readSummary(join(full, name)))
}

/** Parses `--tolerance`: `10%` or a fraction such as `0.1`. */
export function parseTolerance(text: string): number {
  const trimmed = text.trim()
  const percent = trimmed.endsWith('%')
  const value = Number(percent ? trimmed.slice(0, -1) : trimmed)
  const ratio = percent ? value / 100 : value
  if (!Number.isFinite(value) || trimmed === '' || ratio < 0 || (!percent && value >= 1)) {
    throw new CliError(
      'E_CLI_INVALID_OPTION',
      `--tolerance ${text} is not a percentage; pass e.g. --tolerance 10% (or 0.1).`,
      {
        context: { option: 'tolerance', value: text },
      },
    )
  }
  return ratio
}
