import type { FastifyInstance } from 'fastify'
import { httpError } from '../../wiring/http/http-error.js'
import { CONSISTENCY_TOKEN_HEADER, CONSISTENCY_TOKEN_SCHEMA } from '../shared/consistency.js'
import type { Product } from '../shared/product.js'
import type { ProductReads } from './product-reads.js'

const UUID = { type: 'string', format: 'uuid' } as const
const TOKEN_HEADERS = {
  type: 'object',
  properties: { [CONSISTENCY_TOKEN_HEADER]: CONSISTENCY_TOKEN_SCHEMA },
} as const

/** `?ids=a,b,c` (up to 100) or `?category=&cursor=&limit=`; one of the two. */
const LIST_QUERY = {
  type: 'object',
  properties: {
    ids: {
      type: 'string',
      minLength: 36,
      maxLength: 3_700,
      pattern: '^[0-9a-f-]{36}(,[0-9a-f-]{36})*$',
    },
    category: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9-]*$' },
    cursor: UUID,
    limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
  },
} as const

type TokenHeaders = { [CONSISTENCY_TOKEN_HEADER]?: string }
type ListQuery = { ids?: string; category?: string; cursor?: string; limit: number }

/** The lowest id, so the first page's `id > cursor` takes everything. */
const FIRST_CURSOR = ''

function visible(product: Product | undefined): product is Product {
  return product !== undefined && !product.deleted
}

/** The catalog's read routes, every one through the cache and the replica router. */
export function registerQueryRoutes(app: FastifyInstance, reads: ProductReads): void {
  app.get<{ Params: { id: string }; Headers: TokenHeaders }>(
    '/products/:id',
    {
      schema: {
        params: { type: 'object', required: ['id'], properties: { id: UUID } },
        headers: TOKEN_HEADERS,
      },
    },
    async (request, reply) => {
      const product = await reads.one(request.params.id, request.headers[CONSISTENCY_TOKEN_HEADER])
      if (!visible(product))
        throw httpError(404, 'E_CATALOG_NOT_FOUND', `no product ${request.params.id}`)
      void reply.header('etag', `"${product.version}"`)
      return product
    },
  )

  app.get<{ Querystring: ListQuery; Headers: TokenHeaders }>(
    '/products',
    { schema: { querystring: LIST_QUERY, headers: TOKEN_HEADERS } },
    async (request) => {
      const { ids, category, cursor, limit } = request.query
      const token = request.headers[CONSISTENCY_TOKEN_HEADER]
      if ((ids === undefined) === (category === undefined))
        throw httpError(
          400,
          'E_CATALOG_BAD_QUERY',
          'pass exactly one of querystring/ids or querystring/category',
        )
      if (ids !== undefined) {
        const list = [...new Set(ids.split(','))].slice(0, 100)
        const found = await reads.many(list, token)
        return {
          items: list.map((id) => found.get(id)).filter(visible),
          missing: list.filter((id) => !visible(found.get(id))),
        }
      }
      return reads.page(category as string, cursor ?? FIRST_CURSOR, limit, token)
    },
  )
}
