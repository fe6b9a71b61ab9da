import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import {
  findScenario,
  scenarioLibrary,
  validateScenario,
  type Scenario,
} from '@faultline/scenarios'
import { CliError, describeError } from './errors.js'
import { installModuleMap } from './module-map.js'
import type { ScenarioSource } from './run-dir.js'
import { typecheckScenarioFile } from './typecheck.js'

/** A scenario and where it came from. */
export interface LoadedScenario {
  readonly scenario: Scenario
  readonly source: ScenarioSource
}

/** True when the argument names a file rather than a library scenario. */
export function looksLikeFile(argument: string): boolean {
  return /\.(m|c)?[jt]s$/.test(argument) || argument.includes('/') || argument.includes('\\')
}

/**
 * Loads `argument`: a library scenario by name, or a user's `.ts`/`.js` file, which is type-checked
 * against our types and validated before it is used. Anything wrong is a `CliError` saying how to
 * fix it; nothing has started yet.
 */
export async function loadScenario(
  argument: string,
  library: readonly Scenario[] = scenarioLibrary,
): Promise<LoadedScenario> {
  if (!looksLikeFile(argument)) {
    const scenario = findScenario(argument, library)
    if (scenario !== undefined) return { scenario, source: { kind: 'library', name: argument } }
    const names = library.map((s) => s.name)
    throw new CliError(
      'E_CLI_UNKNOWN_SCENARIO',
      `No scenario '${argument}'. ${names.length === 0 ? 'The library has no scenarios yet' : `Use one of: ${names.join(', ')}`}; or pass a scenario file such as ./my-scenario.ts (see faultline list).`,
      { context: { value: argument, choices: names } },
    )
  }
  const file = resolve(argument)
  if (!existsSync(file)) {
    throw new CliError(
      'E_CLI_SCENARIO_FILE',
      `Scenario file ${file} does not exist; check the path.`,
      { context: { file } },
    )
  }
  if (/\.(m|c)?ts$/.test(file)) typecheck(file)
  return { scenario: await importScenario(file), source: { kind: 'file', path: file } }
}

function typecheck(file: string): void {
  const problems = typecheckScenarioFile(file)
  if (problems.length === 0) return
  throw new CliError(
    'E_CLI_SCENARIO_FILE',
    `Scenario file ${file} does not type-check against @faultline/cli:\n  ${problems.join('\n  ')}\nFix these, then run again (the file must default-export defineScenario({...})).`,
    { context: { file, problems } },
  )
}

async function importScenario(file: string): Promise<Scenario> {
  installModuleMap()
  let module: Record<string, unknown>
  try {
    const { tsImport } = await import('tsx/esm/api')
    module = (await tsImport(pathToFileURL(file).href, { parentURL: import.meta.url })) as Record<
      string,
      unknown
    >
  } catch (cause) {
    throw new CliError(
      'E_CLI_SCENARIO_FILE',
      `Cannot load scenario file ${file}: ${describeError(cause)}`,
      { cause, context: { file } },
    )
  }
  const exported = unwrapDefault(module)
  if (exported === undefined) {
    throw new CliError(
      'E_CLI_SCENARIO_FILE',
      `Scenario file ${file} has no default export; end it with export default defineScenario({...}).`,
      {
        context: { file },
      },
    )
  }
  try {
    return validateScenario(exported)
  } catch (cause) {
    throw new CliError('E_CLI_SCENARIO_FILE', `Scenario file ${file}: ${describeError(cause)}`, {
      cause,
      context: { file },
    })
  }
}

/** The default export, looking through the CommonJS wrapper tsx adds for a CJS-compiled file. */
function unwrapDefault(module: Record<string, unknown>): unknown {
  let value = module.default
  if (typeof value === 'object' && value !== null && !('name' in value) && 'default' in value) {
    value = value.default
  }
  return value
}
