import { CliError } from '../core/errors.js'
import { TARGETS } from '../core/targets.js'
import type { TargetProvider } from '../core/target.js'

/** The values `--infra` takes. */
export const INFRA_MODES = ['auto', 'local', 'docker', 'external', 'embedded'] as const

/** How the system under test is brought up. */
export type InfraMode = (typeof INFRA_MODES)[number]

/** The target a run uses, and why (shown when `auto` fell back to embedded). */
export interface ChosenTarget {
  readonly provider: TargetProvider
  /** The mode actually used (`auto` resolved). */
  readonly infra: Exclude<InfraMode, 'auto'>
  /** One line for the user when the choice is not the obvious one. */
  readonly note?: string
}

/**
 * Picks the target for `--infra`. `embedded` runs the in-memory system; `local`, `docker` and
 * `external` need the topology target (registered in `TARGETS` as `topology`); `auto` takes the
 * topology when it is registered and otherwise falls back to embedded, saying so.
 *
 * The lead extends this once the topology target lands: pass `infra` on to it, and let `auto`
 * check what `faultline doctor` finds (binaries, a Docker engine) before falling back.
 */
export async function chooseTarget(infra: string): Promise<ChosenTarget> {
  const mode = parseInfra(infra)
  const topology = TARGETS.get('topology')
  if (mode === 'embedded') return { provider: await embedded(), infra: 'embedded' }
  if (mode === 'auto') {
    if (topology !== undefined) return { provider: await topology(), infra: 'local' }
    return {
      provider: await embedded(),
      infra: 'embedded',
      note: 'No topology target is available here, so --infra auto runs the embedded (in-memory) system: nothing real is measured. For real numbers, faultline doctor shows what the topology needs.',
    }
  }
  if (topology === undefined) {
    throw new CliError(
      'E_CLI_TARGET',
      `--infra ${mode} needs the topology target, which is not wired into the CLI yet; run with --infra embedded (in memory, nothing real measured) or --target ./my-target.ts.`,
      { context: { option: 'infra', value: mode } },
    )
  }
  return { provider: await topology(), infra: mode }
}

/** Checks an `--infra` value, naming the choices when it is not one. */
export function parseInfra(value: string): InfraMode {
  if ((INFRA_MODES as readonly string[]).includes(value)) return value as InfraMode
  throw new CliError(
    'E_CLI_INVALID_OPTION',
    `--infra ${value} is not a mode; use one of: ${INFRA_MODES.join(', ')}.`,
    { context: { option: 'infra', value, choices: [...INFRA_MODES] } },
  )
}

async function embedded(): Promise<TargetProvider> {
  const { createEmbeddedTarget } = await import('./embedded/index.js')
  return createEmbeddedTarget()
}
