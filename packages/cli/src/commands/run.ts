import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseDuration } from '@faultline/scenarios'
import { CliError } from '../core/errors.js'
import type { RunEvent } from '../core/events.js'
import { MAX_SEED } from '../core/random.js'
import { defaultRunDir, type ScenarioRecord } from '../core/run-dir.js'
import { prepareRun, startRun } from '../core/run.js'
import { loadScenario } from '../core/scenario-loader.js'
import type { RunSummary } from '../core/summary-types.js'
import { resolveTarget } from '../core/targets.js'
import type { TargetProvider } from '../core/target.js'
import { renderJunit } from '../ui/junit.js'
import { progressLine } from '../ui/progress-line.js'
import { renderSummary } from '../ui/summary-text.js'

/** The flags of `faultline run`, as commander gives them. */
export interface RunFlags {
  readonly duration?: string
  readonly rate?: string
  readonly seed?: string
  readonly smoke?: boolean
  readonly json?: boolean
  readonly junit?: string
  readonly out?: string
  readonly keepUp?: boolean
  readonly replay?: string
  readonly target?: string
}

/** Where output goes (tests pass their own). */
export interface RunIo {
  readonly stdout: NodeJS.WritableStream
  readonly signal: AbortSignal
  readonly target?: TargetProvider
}

/** `faultline run`: loads, validates, runs, prints; returns the exit code. */
export async function runCommand(
  argument: string | undefined,
  flags: RunFlags,
  io: RunIo,
): Promise<number> {
  const overrides = {
    ...(flags.smoke === true ? { smoke: true } : {}),
    ...(flags.duration === undefined ? {} : { durationMs: parseDurationFlag(flags.duration) }),
    ...(flags.rate === undefined ? {} : { rate: parseRate(flags.rate) }),
  }
  const seed = parseSeed(flags.seed)
  const replay = flags.replay === undefined ? undefined : readReplay(flags.replay)
  const scenarioArg = argument ?? replayArgument(replay)
  const loaded = await loadScenario(scenarioArg)
  const target = io.target ?? (await resolveTarget(flags.target ?? 'topology'))
  const prepared = prepareRun({
    scenario: loaded.scenario,
    source: loaded.source,
    target,
    outDir: flags.out ?? defaultRunDir(process.cwd(), loaded.scenario.name),
    seed: seed ?? replay?.seed,
    resolve: { ...(replay?.overrides ?? {}), ...overrides },
    ...(replay === undefined ? {} : { schedule: replay.schedule }),
    signal: io.signal,
  })
  let summary: RunSummary | undefined
  for await (const event of startRun(prepared)) {
    render(event, flags, io.stdout)
    if (event.type === 'run:finished') summary = event.summary
  }
  if (summary === undefined)
    throw new CliError(
      'E_CLI_IO',
      'The run ended without a summary; see logs/engine.log in the run directory.',
    )
  if (flags.junit !== undefined) writeFileSync(flags.junit, renderJunit(summary))
  return summary.exitCode
}

function render(event: RunEvent, flags: RunFlags, stdout: NodeJS.WritableStream): void {
  if (flags.json === true) {
    stdout.write(
      `${JSON.stringify(event.type === 'run:finished' ? { ...event.summary, type: 'summary' } : event)}\n`,
    )
    return
  }
  if (event.type === 'run:finished') {
    stdout.write(`\n${renderSummary(event.summary)}`)
    return
  }
  const line = progressLine(event)
  if (line !== undefined) stdout.write(`${line}\n`)
}

function readReplay(dir: string): ScenarioRecord {
  try {
    return JSON.parse(readFileSync(join(dir, 'scenario.json'), 'utf8')) as ScenarioRecord
  } catch (cause) {
    throw new CliError(
      'E_CLI_REPLAY',
      `Cannot read ${join(dir, 'scenario.json')}; --replay takes a run directory that faultline run wrote.`,
      { cause },
    )
  }
}

function replayArgument(replay: ScenarioRecord | undefined): string {
  if (replay === undefined)
    throw new CliError(
      'E_CLI_INVALID_OPTION',
      'Name a scenario: faultline run <scenario|file.ts> (see faultline list).',
    )
  if (replay.source.kind === 'library') return replay.source.name
  if (replay.source.kind === 'file') return replay.source.path
  throw new CliError(
    'E_CLI_REPLAY',
    'That run used a scenario given in code; pass the scenario too: faultline run <scenario> --replay <dir>.',
  )
}

function parseDurationFlag(text: string): number {
  try {
    return parseDuration(text, '--duration')
  } catch (cause) {
    throw new CliError('E_CLI_INVALID_OPTION', (cause as Error).message, {
      cause,
      context: { option: 'duration', value: text },
    })
  }
}

function parseRate(text: string): number {
  const rate = Number(text)
  if (!Number.isFinite(rate) || rate <= 0) {
    throw new CliError(
      'E_CLI_INVALID_OPTION',
      `--rate ${text} is not a positive number; pass the peak arrivals per second, e.g. --rate 200.`,
    )
  }
  return rate
}

function parseSeed(text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const seed = Number(text)
  if (!/^\d+$/.test(text) || seed > MAX_SEED) {
    throw new CliError(
      'E_CLI_INVALID_OPTION',
      `--seed ${text} is not an integer from 0 to ${MAX_SEED}; pass e.g. --seed 42.`,
    )
  }
  return seed
}
