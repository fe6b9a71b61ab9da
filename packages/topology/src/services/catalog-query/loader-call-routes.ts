import type { FastifyInstance } from 'fastify'
import { MAX_COUNTED_PRODUCTS, type LoaderCalls } from './loader-calls.js'

const LOADER_CALLS_QUERY = {
  type: 'object',
  properties: {
    limit: {
      type: 'integer',
      minimum: 1,
      maximum: MAX_COUNTED_PRODUCTS,
      default: MAX_COUNTED_PRODUCTS,
    },
  },
} as const

const LOADER_CALLS_RESPONSE = {
  type: 'object',
  required: ['service', 'instance', 'bootId', 'products', 'productCount', 'truncated'],
  properties: {
    service: { type: 'string' },
    instance: { type: 'string' },
    bootId: { type: 'string' },
    products: { type: 'object', additionalProperties: { type: 'integer', minimum: 1 } },
    productCount: { type: 'integer', minimum: 0 },
    truncated: { type: 'boolean' },
  },
} as const

const BYPASS_BODY = {
  type: 'object',
  required: ['bypassCache'],
  properties: { bypassCache: { type: 'boolean' } },
} as const

/** What the loader-call routes report on and act on. */
export interface LoaderCallRoutesDeps {
  readonly instance: string
  readonly calls: LoaderCalls
  /** Registers the test hook too. */
  readonly testHooks: boolean
}

/**
 * `GET /ops/loader-calls?limit=`: this instance's loader calls per product id since it started
 * (only products with calls, at most `limit`; `truncated` says some are left out), and its
 * `bootId`, so a reader can tell a restarted instance (its earlier counts gone) from one that
 * kept counting. With `testHooks`, also `POST /ops/test/load`.
 */
export function registerLoaderCallRoutes(app: FastifyInstance, deps: LoaderCallRoutesDeps): void {
  const { instance, calls } = deps
  app.get<{ Querystring: { limit: number } }>(
    '/ops/loader-calls',
    { schema: { querystring: LOADER_CALLS_QUERY, response: { 200: LOADER_CALLS_RESPONSE } } },
    (request) => ({
      service: 'catalog-query',
      instance,
      ...calls.report(request.query.limit),
    }),
  )
  if (deps.testHooks) registerBypassHook(app, calls)
}

/**
 * `POST /ops/test/load` (only with `testHooks`): `{ bypassCache }` starts or stops product reads
 * calling their loader past the cache, the herd defence switched off, for checker tests.
 */
function registerBypassHook(app: FastifyInstance, calls: LoaderCalls): void {
  app.post<{ Body: { bypassCache: boolean } }>(
    '/ops/test/load',
    { schema: { body: BYPASS_BODY } },
    (request) => {
      calls.bypassCache = request.body.bypassCache
      return { bypassCache: calls.bypassCache }
    },
  )
}
