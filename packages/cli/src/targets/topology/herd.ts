import { CliError } from '../../core/errors.js'
import type { HttpClient } from '../../core/load/http-client.js'
import type { ScheduledFault } from '../../core/schedule.js'
import type { Revert } from '../../core/target.js'
import { LOAD_SUBJECTS, type CallerTokens } from './tokens.js'

/** A herd read with no answer by then is given up (as an operation's default timeout). */
const READ_TIMEOUT_MS = 10_000

/** What a herd needs of the topology target. */
export interface HerdDeps {
  readonly http: HttpClient
  /** The seeded products, in the order the key space ranks them (the first is read most). */
  readonly products: readonly string[]
  /** The herd writes as catalog:write and reads as the load's reader, like the workloads. */
  readonly tokens: CallerTokens
  /** Base URL per service; `catalog-admin` takes the write, `catalog-query-lb` the reads. */
  endpoints(): Readonly<Record<string, string>>
}

/** The product a herd fault stampedes: the `params.product`-th seeded one. */
export function herdKey(products: readonly string[], fault: ScheduledFault): string {
  const index = Number(fault.params.product ?? 0)
  const key = products[index]
  if (key === undefined)
    throw new CliError(
      'E_CLI_TARGET',
      `faults[${fault.source.index}] herds on product ${index}, but the topology seeded ${products.length}; lower product or raise topology.products.`,
    )
  return key
}

function endpoint(deps: HerdDeps, service: string): string {
  const url = deps.endpoints()[service]
  if (url === undefined) throw new CliError('E_CLI_TARGET', `The topology has no ${service}.`)
  return url
}

/**
 * Makes the key cold on every catalog-query node: a price change through catalog-admin, which
 * invalidates the key (Redis and every node's L1, through the bus) before it answers. The write
 * is not in the history and its token is not kept, so no read presents a token the history
 * cannot match.
 */
async function makeCold(
  deps: HerdDeps,
  key: string,
  fault: ScheduledFault,
  signal: AbortSignal,
): Promise<void> {
  const admin = endpoint(deps, 'catalog-admin')
  const response = await deps.http.request(`${admin}/products/${key}/price`, {
    method: 'PATCH',
    body: { priceCents: 1_000 + fault.id },
    headers: {
      authorization: await deps.tokens.authorization('catalog:write', LOAD_SUBJECTS.writer),
    },
    signal,
  })
  if (response.status !== 200)
    throw new CliError(
      'E_CLI_TARGET',
      `The herd's write of product ${key} answered ${response.status}: ${response.body.slice(0, 200)}`,
    )
}

/**
 * Applies a herd: the key made cold, then `params.readers` concurrent reads of it through the
 * balancer. Resolves once the reads are out; the revert waits for them (their outcomes do not
 * matter: the loader calls they caused are what the herd checker counts).
 */
export async function applyTopologyHerd(
  deps: HerdDeps,
  fault: ScheduledFault,
  signal: AbortSignal,
): Promise<Revert> {
  const key = herdKey(deps.products, fault)
  const reader = `${endpoint(deps, 'catalog-query-lb')}/products/${key}`
  // Minted before the key goes cold, so the reads leave together.
  const authorization = await deps.tokens.authorization('customer', LOAD_SUBJECTS.reader)
  await makeCold(deps, key, fault, signal)
  const reads = Array.from({ length: Number(fault.params.readers) }, () =>
    deps.http.request(reader, {
      headers: { authorization },
      signal: AbortSignal.any([signal, AbortSignal.timeout(READ_TIMEOUT_MS)]),
    }),
  )
  const settled = Promise.allSettled(reads)
  return async () => {
    await settled
  }
}
