import { CliError, describeError } from '../../core/errors.js'
import { createHttpClient, type HttpClient } from '../../core/load/http-client.js'
import type { TopologyAccess } from './access.js'
import { LOAD_SUBJECTS } from './tokens.js'

/** One catalog-query instance's loader calls, as its `GET /ops/loader-calls` reported them. */
export interface InstanceLoaderCalls {
  /** The instance's own id, e.g. `catalog-query-2`. */
  readonly instance: string
  /** New at every start of the process: counts under an earlier one are gone. */
  readonly bootId: string
  /** Loader calls per product id since the process started. */
  readonly products: Readonly<Record<string, number>>
}

/** Every catalog-query instance's loader calls at one moment, or why they could not all be read. */
export type LoaderCallReading =
  { readonly instances: readonly InstanceLoaderCalls[] } | { readonly problem: string }

const ROUTE = '/ops/loader-calls'

/** Where each catalog-query instance answers, or why not every one can be reached. */
function instanceUrls(access: TopologyAccess): { urls: string[] } | { problem: string } {
  const handle = access.handle
  if (handle === undefined) {
    const instances = Object.keys(access.pids ?? {}).filter((name) =>
      name.startsWith('catalog-query#'),
    )
    const url = access.endpoints['catalog-query']
    if (instances.length > 1 || url === undefined)
      return {
        problem: `the topology's state file gives the address of ${url === undefined ? 'no' : 'only the first'} catalog-query instance of ${instances.length}: loader calls cannot be summed over all of them; run against a topology the run starts`,
      }
    return { urls: [url] }
  }
  if (!handle.services().includes('catalog-query'))
    return { problem: 'the topology runs no catalog-query' }
  const urls: string[] = []
  for (const instance of handle.service('catalog-query').instances()) {
    if (instance.url === undefined)
      return { problem: `${instance.id} has no address (it is ${instance.state})` }
    urls.push(instance.url)
  }
  return { urls }
}

function isCounts(value: unknown): value is Record<string, number> {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.values(value).every((calls) => Number.isSafeInteger(calls) && (calls as number) >= 0)
  )
}

/** One instance's counts; throws naming the instance when they are missing or partial. */
async function readInstance(
  http: HttpClient,
  url: string,
  authorization: string,
): Promise<InstanceLoaderCalls> {
  const response = await http.request(`${url}${ROUTE}`, {
    headers: { authorization },
    signal: AbortSignal.timeout(5_000),
  })
  if (response.status !== 200)
    throw new CliError(
      'E_CLI_TARGET',
      `${url} answered ${response.status} to GET ${ROUTE}: ${response.body.slice(0, 200)}`,
    )
  const body = response.json() as Record<string, unknown> | null
  const { instance, bootId, products, truncated } = body ?? {}
  if (typeof instance !== 'string' || typeof bootId !== 'string' || !isCounts(products))
    throw new CliError('E_CLI_TARGET', `${url} answered GET ${ROUTE} without its counts`)
  if (truncated !== false)
    throw new CliError(
      'E_CLI_TARGET',
      `${instance} counts loader calls for more products than it lists: a sum would be partial`,
    )
  return { instance, bootId, products }
}

/**
 * Reads every catalog-query instance's loader calls per product. Never throws: an instance that
 * cannot be reached or read makes the whole reading a `problem`, never a partial one.
 */
export async function readLoaderCalls(access: TopologyAccess): Promise<LoaderCallReading> {
  const where = instanceUrls(access)
  if ('problem' in where) return where
  const http = createHttpClient({ connections: 2 })
  try {
    const authorization = await access.tokens.authorization('ops', LOAD_SUBJECTS.operator)
    return {
      instances: await Promise.all(where.urls.map((url) => readInstance(http, url, authorization))),
    }
  } catch (error) {
    return { problem: `catalog-query loader calls unreadable: ${describeError(error)}` }
  } finally {
    await http.close()
  }
}

/**
 * Loader calls per product between two readings, summed over every instance: what the run
 * caused. Throws, with the reason, when either reading failed or an instance of the first is
 * gone from the second (restarted, killed or scaled away: the calls it made are lost), since a
 * sum without them would be too low to bound anything.
 */
export function loaderCallsBetween(
  start: LoaderCallReading,
  end: LoaderCallReading,
): Record<string, number> {
  if ('problem' in start) throw new CliError('E_CLI_TARGET', `at the run's start, ${start.problem}`)
  if ('problem' in end) throw new CliError('E_CLI_TARGET', end.problem)
  const before = new Map(start.instances.map((reading) => [reading.bootId, reading]))
  for (const reading of start.instances) {
    if (!end.instances.some((later) => later.bootId === reading.bootId))
      throw new CliError(
        'E_CLI_TARGET',
        `${reading.instance} restarted or stopped during the run (a kill, restart or scale): the loader calls it made are lost`,
      )
  }
  const sums: Record<string, number> = {}
  for (const reading of end.instances) {
    const earlier = before.get(reading.bootId)?.products ?? {}
    for (const [id, calls] of Object.entries(reading.products)) {
      const added = calls - (earlier[id] ?? 0)
      if (added > 0) sums[id] = (sums[id] ?? 0) + added
    }
  }
  return sums
}
