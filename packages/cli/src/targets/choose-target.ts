import { diagnose } from '../commands/doctor.js'
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

/** The local servers the topology needs that this machine lacks (none when another provider serves them). */
export function missingServers(env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.FAULTLINE_PROVIDER !== undefined && env.FAULTLINE_PROVIDER !== 'local') return []
  const items = diagnose()
  if (items.some((item) => item.name === 'docker engine' && item.ok)) return []
  return items
    .filter((item) => ['postgres', 'redis', 'java'].includes(item.name) && !item.ok)
    .map((item) => item.name)
}

/**
 * Picks the target for `--infra`. `embedded` runs the in-memory system; `local`, `docker` and
 * `external` start the topology on that infra provider (`FAULTLINE_PROVIDER`); `auto` takes the
 * topology when its servers are available here and otherwise falls back to embedded, saying so.
 */
export async function chooseTarget(
  infra: string,
  missing: () => string[] = missingServers,
): Promise<ChosenTarget> {
  const mode = parseInfra(infra)
  const topology = TARGETS.get('topology')
  if (mode === 'embedded') return { provider: await embedded(), infra: 'embedded' }
  if (mode === 'auto') {
    const absent = missing()
    if (topology !== undefined && absent.length === 0)
      return { provider: await topology(), infra: 'local' }
    return {
      provider: await embedded(),
      infra: 'embedded',
      note: `${absent.join(', ') || 'the topology target'} missing here, so --infra auto runs the embedded (in-memory) system: nothing real is measured. \`faultline doctor\` shows how to install what the topology needs.`,
    }
  }
  if (topology === undefined) {
    throw new CliError(
      'E_CLI_TARGET',
      `--infra ${mode} needs the topology target, which this build lacks; run with --infra embedded (in memory, nothing real measured) or --target ./my-target.ts.`,
      { context: { option: 'infra', value: mode } },
    )
  }
  process.env.FAULTLINE_PROVIDER = mode
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
