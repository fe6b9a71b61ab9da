import { parseDuration, type TopologyRequirements } from '@faultline/scenarios'
import { startTopology, type StartTopologyOptions, type TopologyHandle } from '@faultline/topology'
import { CliError, describeError } from '../../core/errors.js'
import type { HttpClient } from '../../core/load/http-client.js'
import type { TargetContext } from '../../core/target.js'
import type { TopologyAccess } from './access.js'
import { LOAD_SUBJECTS } from './tokens.js'

/** Stock per product when the scenario does not say (scenarios' documented default). */
export const DEFAULT_STOCK = 1_000

/** `startTopology` options for a scenario's topology requirements. */
export function startOptions(
  requirements: TopologyRequirements,
  context: Pick<TargetContext, 'seed' | 'logDir'>,
  extra: Partial<StartTopologyOptions> = {},
): StartTopologyOptions {
  const replicas = { 'catalog-query': requirements.replicas?.['catalog-query'] ?? 1 }
  const delay = requirements.replicaDelay
  return {
    replicas,
    seed: context.seed,
    runDir: context.logDir,
    lb: requirements.lb ?? 'auto',
    products: { count: requirements.products ?? 200, stock: requirements.stock ?? DEFAULT_STOCK },
    ...(delay === undefined
      ? {}
      : { replicaApplyDelayMs: parseDuration(delay, 'topology.replicaDelay') }),
    ...extra,
  }
}

/** Starts the topology, stopping it again if the run is interrupted while it starts. */
export async function startForRun(
  options: StartTopologyOptions,
  signal: AbortSignal,
): Promise<TopologyHandle> {
  let handle: TopologyHandle
  try {
    handle = await startTopology(options)
  } catch (cause) {
    throw new CliError(
      'E_CLI_TARGET',
      `The topology did not start: ${describeError(cause)}. Run \`faultline doctor\` to see what is missing; logs are in ${options.runDir ?? 'the run dir'}.`,
      { cause },
    )
  }
  if (signal.aborted) {
    await handle.stop()
    throw new CliError('E_CLI_TARGET', 'The run was interrupted while the topology started.')
  }
  return handle
}

async function put(
  http: HttpClient,
  url: string,
  body: unknown,
  authorization: string,
): Promise<void> {
  const response = await http.request(url, { method: 'PUT', body, headers: { authorization } })
  if (response.status !== 200)
    throw new CliError(
      'E_CLI_TARGET',
      `PUT ${url} answered ${response.status}: ${response.body.slice(0, 200)}`,
    )
}

/**
 * Puts the scenario's business state in place, as an operator (`ops` token): `stock` units of
 * every product in inventory (the catalog's own stock column is not what orders reserve) and the
 * payments chaos knob.
 */
export async function applyRequirements(
  requirements: TopologyRequirements,
  access: TopologyAccess,
  products: readonly string[],
  http: HttpClient,
): Promise<void> {
  const endpoints = access.endpoints
  const authorization = await access.tokens.authorization('ops', LOAD_SUBJECTS.operator)
  const inventory = endpoints.inventory
  if (inventory !== undefined) {
    const available = requirements.stock ?? DEFAULT_STOCK
    for (let start = 0; start < products.length; start += 20)
      await Promise.all(
        products
          .slice(start, start + 20)
          .map((id) => put(http, `${inventory}/admin/stock/${id}`, { available }, authorization)),
      )
  }
  const payments = endpoints.payments
  if (payments !== undefined)
    await put(
      http,
      `${payments}/admin/chaos`,
      { failureRate: requirements.paymentFailureRate ?? 0 },
      authorization,
    )
}
