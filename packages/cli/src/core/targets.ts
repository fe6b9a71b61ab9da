import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { CliError, describeError } from './errors.js'
import { installModuleMap } from './module-map.js'
import type { TargetProvider } from './target.js'

/**
 * Named targets the CLI knows. `topology` (the default of `faultline run`) starts the reference
 * topology for the run; `embedded` is the in-memory system (nothing real measured). Each is
 * loaded on first use so other commands never load it.
 */
export const TARGETS: ReadonlyMap<string, () => Promise<TargetProvider>> = new Map([
  ['topology', async () => (await import('../targets/topology/provider.js')).topologyProvider()],
  ['embedded', async () => (await import('../targets/embedded/index.js')).createEmbeddedTarget()],
])

/** The target names `--target` accepts besides a module path. */
export function targetNames(): string[] {
  return [...TARGETS.keys()]
}

/**
 * Resolves `--target`: a registered name, a running topology's state file (`<dir>/topology.json`
 * from `faultline up`), or a module (`.ts` or `.js`) whose default export is a
 * `TargetProvider` or a function returning one, so any system can be driven by the engine.
 */
export async function resolveTarget(name: string): Promise<TargetProvider> {
  const known = TARGETS.get(name)
  if (known !== undefined) return known()
  if (name.endsWith('.json')) {
    // `faultline up` wrote it: attach to that running topology instead of starting one.
    const { topologyProvider } = await import('../targets/topology/provider.js')
    return topologyProvider({ stateFile: resolve(name) })
  }
  if (!/\.(m|c)?[jt]s$/.test(name)) {
    const names = targetNames()
    throw new CliError(
      'E_CLI_INVALID_OPTION',
      `No target '${name}'. ${names.length === 0 ? 'The topology target is not wired into the CLI yet' : `Use one of: ${names.join(', ')}`}; or pass --target ./my-target.ts whose default export is a TargetProvider.`,
      { context: { option: 'target', value: name, choices: names } },
    )
  }
  return importTarget(resolve(name))
}

async function importTarget(file: string): Promise<TargetProvider> {
  if (!existsSync(file))
    throw new CliError(
      'E_CLI_INVALID_OPTION',
      `Target module ${file} does not exist; check --target.`,
    )
  installModuleMap()
  let exported: unknown
  try {
    const { tsImport } = await import('tsx/esm/api')
    const module = (await tsImport(pathToFileURL(file).href, { parentURL: import.meta.url })) as {
      default?: unknown
    }
    exported = module.default
  } catch (cause) {
    throw new CliError(
      'E_CLI_INVALID_OPTION',
      `Cannot load target module ${file}: ${describeError(cause)}`,
      { cause },
    )
  }
  const provider: unknown =
    typeof exported === 'function' ? await (exported as () => unknown)() : exported
  if (!isProvider(provider)) {
    throw new CliError(
      'E_CLI_INVALID_OPTION',
      `Target module ${file} must default-export a TargetProvider ({ describe(), open() }) or a function returning one.`,
    )
  }
  return provider
}

function isProvider(value: unknown): value is TargetProvider {
  const candidate = value as Partial<TargetProvider> | null
  return typeof candidate?.describe === 'function' && typeof candidate.open === 'function'
}
