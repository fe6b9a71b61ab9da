import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TopologyHandle } from '@faultline/topology'
import { afterEach, describe, expect, test } from 'vitest'
import type { TopologyAccess } from '../../src/targets/topology/access.js'
import {
  loaderCallsBetween,
  readLoaderCalls,
  type LoaderCallReading,
} from '../../src/targets/topology/loader-calls.js'
import { CallerTokens } from '../../src/targets/topology/tokens.js'

/** Every request to a fake instance carries an ops token minted by this. */
const tokens = new CallerTokens(({ role }) => Promise.resolve(`token-for-${role}`))
/** The Authorization headers the fake instances saw. */
const seen: (string | undefined)[] = []

/** What a fake catalog-query instance answers on `GET /ops/loader-calls`. */
interface Answer {
  status?: number
  body: Record<string, unknown>
}

const servers: Server[] = []

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))),
  )
})

async function instance(answer: () => Answer): Promise<string> {
  const server = createServer((request, response) => {
    seen.push(request.headers.authorization)
    const { status = 200, body } = answer()
    if (request.url?.startsWith('/ops/loader-calls') !== true) response.writeHead(404).end()
    else
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

function counts(instanceId: string, bootId: string, products: Record<string, number>): Answer {
  return { body: { instance: instanceId, bootId, products, truncated: false } }
}

/** Access through a handle whose catalog-query instances answer at `urls`. */
function handleAccess(urls: (string | undefined)[]): TopologyAccess {
  const instances = urls.map((url, index) => ({
    id: `catalog-query-${index + 1}`,
    url,
    state: url === undefined ? 'restarting' : 'ready',
  }))
  const handle = {
    services: () => ['catalog-admin', 'catalog-query'],
    service: () => ({ instances: () => instances }),
  } as unknown as TopologyHandle
  return { endpoints: {}, databases: {} as never, kafkaBrokers: [], namespace: '', handle, tokens }
}

function reading(
  ...instances: { instance: string; bootId: string; products: Record<string, number> }[]
): LoaderCallReading {
  return { instances }
}

/** The problem a reading names; fails when the reading has none. */
async function problemOf(access: TopologyAccess): Promise<string> {
  const read = await readLoaderCalls(access)
  if (!('problem' in read)) throw new Error(`expected a problem, read ${JSON.stringify(read)}`)
  return read.problem
}

describe('readLoaderCalls', () => {
  test('reads every instance', async () => {
    const first = await instance(() => counts('catalog-query-1', 'boot-1', { a: 2 }))
    const second = await instance(() => counts('catalog-query-2', 'boot-2', { a: 1, b: 4 }))
    expect(await readLoaderCalls(handleAccess([first, second]))).toEqual(
      reading(
        { instance: 'catalog-query-1', bootId: 'boot-1', products: { a: 2 } },
        { instance: 'catalog-query-2', bootId: 'boot-2', products: { a: 1, b: 4 } },
      ),
    )
    // The route is an ops route: every read carries an ops token.
    expect(seen.slice(-2)).toEqual(['Bearer token-for-ops', 'Bearer token-for-ops'])
  })

  test('one instance that cannot be read, or reports partial counts, makes the reading a problem naming it', async () => {
    const good = await instance(() => counts('catalog-query-1', 'boot-1', { a: 2 }))
    const missing = await instance(() => ({ status: 404, body: { message: 'Route not found' } }))
    expect(await problemOf(handleAccess([good, missing]))).toMatch(
      /answered 404 to GET \/ops\/loader-calls/,
    )
    const partial = await instance(() => ({
      body: { instance: 'catalog-query-2', bootId: 'b', products: {}, truncated: true },
    }))
    expect(await problemOf(handleAccess([good, partial]))).toMatch(
      /catalog-query-2 counts loader calls for more products/,
    )
    expect(await problemOf(handleAccess([good, undefined]))).toBe(
      'catalog-query-2 has no address (it is restarting)',
    )
  })

  test('an attached topology with several catalog-query instances cannot be summed', async () => {
    const url = await instance(() => counts('catalog-query-1', 'boot-1', {}))
    const attached = (pids: Record<string, number>): TopologyAccess => ({
      endpoints: { 'catalog-query': url },
      databases: {} as never,
      kafkaBrokers: [],
      namespace: '',
      pids,
      tokens,
    })
    expect(await readLoaderCalls(attached({ 'catalog-query#0': 1 }))).toEqual(
      reading({ instance: 'catalog-query-1', bootId: 'boot-1', products: {} }),
    )
    expect(await problemOf(attached({ 'catalog-query#0': 1, 'catalog-query#1': 2 }))).toMatch(
      /only the first catalog-query instance of 2/,
    )
  })
})

describe('loaderCallsBetween', () => {
  test("sums the run's calls over every instance, an instance started during the run from zero", () => {
    const start = reading(
      { instance: 'q1', bootId: 'b1', products: { a: 5, b: 1 } },
      { instance: 'q2', bootId: 'b2', products: { a: 2 } },
    )
    const end = reading(
      { instance: 'q1', bootId: 'b1', products: { a: 6, b: 1 } },
      { instance: 'q2', bootId: 'b2', products: { a: 4, c: 1 } },
      { instance: 'q3', bootId: 'b3', products: { a: 1 } },
    )
    expect(loaderCallsBetween(start, end)).toEqual({ a: 4, c: 1 })
  })

  test('refuses a sum when an instance restarted (its calls are lost) or a reading failed', () => {
    const start = reading({ instance: 'q1', bootId: 'b1', products: { a: 5 } })
    const restarted = reading({ instance: 'q1', bootId: 'b9', products: { a: 1 } })
    expect(() => loaderCallsBetween(start, restarted)).toThrow(/q1 restarted or stopped/)
    expect(() => loaderCallsBetween({ problem: 'q2 is down' }, start)).toThrow(
      /at the run's start, q2 is down/,
    )
    expect(() => loaderCallsBetween(start, { problem: 'q2 is down' })).toThrow(/q2 is down/)
  })
})
