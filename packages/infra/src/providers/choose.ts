import { InfraError } from '../errors.js'
import type { ProviderChoice, ProviderName } from '../types.js'
import { dockerUnavailableReason } from './docker-probe.js'
import { ENV, EXTERNAL_VAR, readEnv, type ServiceKind } from './env.js'

/** Which provider serves a service, and why, in words for the log. */
export interface ProviderDecision {
  readonly provider: ProviderName
  readonly reason: string
}

const CHOICES: readonly ProviderChoice[] = ['auto', 'local', 'docker', 'external']

function requestedChoice(choice: ProviderChoice | undefined): ProviderChoice {
  const requested = choice ?? readEnv(ENV.provider) ?? 'auto'
  if (!CHOICES.includes(requested as ProviderChoice)) {
    const source = choice === undefined ? ENV.provider : 'options'
    throw new InfraError(
      'E_INFRA_INVALID_OPTION',
      `Unknown provider '${requested}' (from ${source}): use ${CHOICES.join(', ')}.`,
      { context: { option: choice === undefined ? ENV.provider : 'provider', value: requested } },
    )
  }
  return requested as ProviderChoice
}

/** `auto` picks external (its env var is set), then docker (an engine answers), then local. */
export async function chooseProvider(
  service: ServiceKind,
  choice?: ProviderChoice,
): Promise<ProviderDecision> {
  const requested = requestedChoice(choice)
  if (requested !== 'auto') return { provider: requested, reason: 'requested explicitly' }
  const externalVar = EXTERNAL_VAR[service]
  if (readEnv(externalVar) !== undefined)
    return { provider: 'external', reason: `${externalVar} is set` }
  const noDocker = await dockerUnavailableReason()
  if (noDocker === undefined)
    return { provider: 'docker', reason: `${externalVar} is unset; a Docker engine answered` }
  return { provider: 'local', reason: `${externalVar} is unset; ${noDocker}` }
}

/** Writes one decision line to the caller's log, or to stderr. */
export function logDecision(
  service: ServiceKind,
  decision: ProviderDecision,
  log?: (line: string) => void,
): void {
  const line = `[faultline/infra] ${service}: provider '${decision.provider}' (${decision.reason})`
  if (log !== undefined) log(line)
  else process.stderr.write(`${line}\n`)
}
