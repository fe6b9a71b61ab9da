import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseDuration } from '@faultline/scenarios'
import { CliError } from '../core/errors.js'
import { MAX_SEED } from '../core/random.js'
import type { ScenarioRecord } from '../core/run-dir.js'

/** Most runs `--repeat` takes (each is a whole run; more is a soak, not a comparison). */
export const MAX_REPEAT = 100

/** Reads `scenario.json` of a run directory for `--replay`. */
export function readReplay(dir: string): ScenarioRecord {
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

/** The scenario argument a replay implies. */
export function replayArgument(replay: ScenarioRecord | undefined): string {
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

/** `--duration`. */
export function parseDurationFlag(text: string): number {
  try {
    return parseDuration(text, '--duration')
  } catch (cause) {
    throw new CliError('E_CLI_INVALID_OPTION', (cause as Error).message, {
      cause,
      context: { option: 'duration', value: text },
    })
  }
}

/** `--rate`. */
export function parseRate(text: string): number {
  const rate = Number(text)
  if (!Number.isFinite(rate) || rate <= 0) {
    throw new CliError(
      'E_CLI_INVALID_OPTION',
      `--rate ${text} is not a positive number; pass the peak arrivals per second, e.g. --rate 200.`,
    )
  }
  return rate
}

/** `--seed`. */
export function parseSeed(text: string | undefined): number | undefined {
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

/** `--repeat`: 1 to {@link MAX_REPEAT}. */
export function parseRepeat(text: string | undefined): number {
  if (text === undefined) return 1
  const n = Number(text)
  if (!/^\d+$/.test(text) || n < 1 || n > MAX_REPEAT) {
    throw new CliError(
      'E_CLI_INVALID_OPTION',
      `--repeat ${text} is not a whole number from 1 to ${MAX_REPEAT}; pass e.g. --repeat 5.`,
      { context: { option: 'repeat', value: text } },
    )
  }
  return n
}
