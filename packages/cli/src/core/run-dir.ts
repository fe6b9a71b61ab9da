import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { ResolvedScenario } from '@faultline/scenarios'
import { CliError } from './errors.js'
import type { ScheduledFault } from './schedule.js'

/** The files of a run directory. */
export interface RunFiles {
  readonly runDir: string
  readonly summary: string
  readonly history: string
  readonly scenario: string
  readonly timeline: string
  readonly logs: string
  readonly engineLog: string
}

/** Where a scenario came from, so `--replay` can load it again. */
export type ScenarioSource =
  | { readonly kind: 'library'; readonly name: string }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'inline' }

/** `scenario.json`: the scenario as run, with the seed and the resolved schedule. */
export interface ScenarioRecord {
  readonly schema: 'faultline.scenario-run/v1'
  readonly source: ScenarioSource
  readonly seed: number
  readonly overrides: ResolvedScenario['overrides']
  readonly target: string
  readonly scenario: unknown
  readonly schedule: readonly ScheduledFault[]
}

/** Creates the run directory and its `logs/`; an unwritable place fails with what to do. */
export function createRunDir(dir: string): RunFiles {
  const runDir = resolve(dir)
  const logs = join(runDir, 'logs')
  try {
    mkdirSync(logs, { recursive: true })
  } catch (cause) {
    throw new CliError(
      'E_CLI_IO',
      `Cannot create the run directory ${runDir}; pass a writable --out.`,
      { cause, context: { file: runDir } },
    )
  }
  return {
    runDir,
    summary: join(runDir, 'summary.json'),
    history: join(runDir, 'history.ndjson'),
    scenario: join(runDir, 'scenario.json'),
    timeline: join(runDir, 'timeline.ndjson'),
    logs,
    engineLog: join(logs, 'engine.log'),
  }
}

/** A default run directory: `.faultline/runs/<time>-<scenario>` under `base`. */
export function defaultRunDir(base: string, scenario: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-')
  return join(base, '.faultline', 'runs', `${stamp}-${scenario}`)
}

/** Writes a JSON file, pretty. */
export function writeJson(file: string, value: unknown): void {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`)
}

/** Appends one line to a log with the wall time. */
export function logLine(file: string, message: string): void {
  appendFileSync(file, `${new Date().toISOString()} ${message}\n`)
}

/** The scenario as JSON: custom operations become `{ custom: true }` (functions do not serialize). */
export function serializableScenario(scenario: ResolvedScenario): unknown {
  return JSON.parse(
    JSON.stringify(scenario, (key, value: unknown) =>
      key === 'user' && value !== undefined ? { custom: true } : value,
    ),
  )
}
