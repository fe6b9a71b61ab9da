import {
  resolveScenario,
  validateScenario,
  type ResolveOptions,
  type ResolvedScenario,
  type Scenario,
} from '@faultline/scenarios'
import { Channel } from './channel.js'
import { builtInCheckers, type CheckerRegistry } from './checkers.js'
import type { RunEvent } from './events.js'
import { preflight, type Preflight } from './preflight.js'
import { createRandom, randomSeed, MAX_SEED } from './random.js'
import { executeRun } from './run-execute.js'
import type { ScenarioSource } from './run-dir.js'
import { resolveSchedule, type ScheduledFault } from './schedule.js'
import { CliError } from './errors.js'
import type { TargetDescription, TargetProvider } from './target.js'

/** Options of {@link runScenario}. */
export interface RunOptions {
  readonly scenario: Scenario
  /** Where the scenario came from, recorded for `--replay`. @default { kind: 'inline' } */
  readonly source?: ScenarioSource
  readonly target: TargetProvider
  /** The run directory to create. */
  readonly outDir: string
  /** @default a random seed, recorded in scenario.json */
  readonly seed?: number
  readonly resolve?: ResolveOptions
  /** A recorded schedule to replay instead of drawing one from the seed. */
  readonly schedule?: readonly ScheduledFault[]
  /** @default builtInCheckers */
  readonly checkers?: CheckerRegistry
  /** Abort to interrupt: load stops, faults revert, a partial summary is written. */
  readonly signal?: AbortSignal
  /** @default 1000 */
  readonly sampleIntervalMs?: number
  /** How often quiescence is polled. @default 250 */
  readonly quiescePollMs?: number
}

/** A run validated and ready: nothing has started yet. */
export interface PreparedRun extends Preflight {
  readonly options: RunOptions
  readonly scenario: ResolvedScenario
  readonly seed: number
  readonly schedule: readonly ScheduledFault[]
  readonly description: TargetDescription
  readonly checkers: CheckerRegistry
}

/**
 * Validates a run before anything starts: the scenario, the overrides, the seed, what the target
 * supports, the checkers and the thresholds. Throws a `ScenarioError` or `CliError` naming each
 * problem and its fix.
 */
export function prepareRun(options: RunOptions): PreparedRun {
  const seed = options.seed ?? randomSeed()
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new CliError(
      'E_CLI_INVALID_OPTION',
      `The seed ${seed} is not an integer from 0 to ${MAX_SEED}; pass --seed <n> in that range.`,
      {
        context: { option: 'seed', value: seed },
      },
    )
  }
  const scenario = resolveScenario(validateScenario(options.scenario), options.resolve)
  const schedule = options.schedule ?? resolveSchedule(scenario, createRandom(seed))
  const description = options.target.describe()
  const checkers = options.checkers ?? builtInCheckers
  return {
    options,
    scenario,
    seed,
    schedule,
    description,
    checkers,
    ...preflight(scenario, schedule, description, checkers),
  }
}

/**
 * Runs a scenario: load and faults on one seeded timeline, then quiescence, inspection, checkers
 * and thresholds. Returns the progress events; the last is `run:finished` with the summary (also
 * written to `summary.json`). Validation problems throw here, before anything starts.
 */
export function runScenario(options: RunOptions): AsyncIterable<RunEvent> {
  return startRun(prepareRun(options))
}

/** Starts a prepared run; see {@link runScenario}. */
export function startRun(prepared: PreparedRun): AsyncIterable<RunEvent> {
  const channel = new Channel<RunEvent>()
  void executeRun(prepared, (event) => channel.push(event)).finally(() => channel.close())
  return channel
}
