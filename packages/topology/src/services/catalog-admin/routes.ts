import type { FastifyInstance, FastifyReply } from 'fastify'
import type { ReadThroughCache } from '@faultline/cache-kit'
import type { ReplicaRouter } from '@faultline/cache-kit/postgres'
import type { Logger } from '@faultline/common'
import { categoryTag, productKey, type Product } from '../shared/product.js'
import { CONSISTENCY_TOKEN_HEADER } from '../shared/consistency.js'
import {
  createProducts,
  deleteMutation,
  priceMutation,
  replaceMutation,
  updateProduct,
  type ProductInput,
  type WriteOutcome,
} from './product-writes.js'
import { ID_PARAMS, IF_MATCH_HEADERS, PRICE_BODY, PRODUCT_BODY, SEED_BODY } from './schemas.js'

/** What the admin routes write through. */
export interface AdminDeps {
  readonly router: ReplicaRouter
  readonly cache: ReadThroughCache
  readonly logger: Logger
}

type IdRequest = { Params: { id: string }; Headers: { 'if-match'?: string } }

function ifMatch(header: string | undefined): number | undefined {
  return header === undefined ? undefined : Number(header.replace(/^W\//, '').replaceAll('"', ''))
}

function send(reply: FastifyReply, product: Product, token: string): Product {
  void reply.header(CONSISTENCY_TOKEN_HEADER, token).header('etag', `"${product.version}"`)
  return product
}

/**
 * Invalidates what the write changed before its token is handed out (cache-kit's C3 needs it):
 * the product's key at its new version and commit LSN, and the pages of both categories. The
 * change stream does the same on every catalog-query instance; if Redis is down this is only
 * logged, and that stream is what then invalidates.
 */
async function invalidate(deps: AdminDeps, outcome: WriteOutcome): Promise<void> {
  const { product, previousCategory, token } = outcome
  const tags = [categoryTag(product.category)]
  if (previousCategory !== null && previousCategory !== product.category)
    tags.push(categoryTag(previousCategory))
  try {
    await deps.cache.applyChange({
      key: productKey(product.id),
      version: product.version,
      lsn: token,
    })
    await deps.cache.invalidateTags(tags)
  } catch (error) {
    deps.logger.warn(
      { product: product.id, error: String(error) },
      'cache invalidation deferred to the change stream',
    )
  }
}

/** The catalog's write routes; each commits its row and its event in one transaction. */
export function registerAdminRoutes(app: FastifyInstance, deps: AdminDeps): void {
  app.post<{ Body: ProductInput }>(
    '/products',
    { schema: { body: PRODUCT_BODY } },
    async (request, reply) => {
      const { products, token } = await createProducts(deps.router, [request.body])
      const [product] = products as [Product]
      await invalidate(deps, { product, previousCategory: null, token })
      return send(reply.code(201), product, token)
    },
  )

  app.put<IdRequest & { Body: ProductInput }>(
    '/products/:id',
    { schema: { params: ID_PARAMS, headers: IF_MATCH_HEADERS, body: PRODUCT_BODY } },
    async (request, reply) => {
      const change = {
        id: request.params.id,
        ifMatch: ifMatch(request.headers['if-match']),
        change: 'replaced' as const,
      }
      const outcome = await updateProduct(deps.router, change, replaceMutation(request.body))
      await invalidate(deps, outcome)
      return send(reply, outcome.product, outcome.token)
    },
  )

  app.patch<IdRequest & { Body: { priceCents: number } }>(
    '/products/:id/price',
    { schema: { params: ID_PARAMS, headers: IF_MATCH_HEADERS, body: PRICE_BODY } },
    async (request, reply) => {
      const change = {
        id: request.params.id,
        ifMatch: ifMatch(request.headers['if-match']),
        change: 'price' as const,
      }
      const outcome = await updateProduct(
        deps.router,
        change,
        priceMutation(request.body.priceCents),
      )
      await invalidate(deps, outcome)
      return send(reply, outcome.product, outcome.token)
    },
  )

  app.delete<IdRequest>(
    '/products/:id',
    { schema: { params: ID_PARAMS, headers: IF_MATCH_HEADERS } },
    async (request, reply) => {
      const change = {
        id: request.params.id,
        ifMatch: ifMatch(request.headers['if-match']),
        change: 'deleted' as const,
      }
      const outcome = await updateProduct(deps.router, change, deleteMutation)
      await invalidate(deps, outcome)
      return send(reply, outcome.product, outcome.token)
    },
  )

  app.post<{ Body: { products: ProductInput[] } }>(
    '/ops/seed',
    { schema: { body: SEED_BODY } },
    async (request, reply) => {
      const { products, token } = await createProducts(deps.router, request.body.products)
      void reply.code(201).header(CONSISTENCY_TOKEN_HEADER, token)
      return { created: products.length, ids: products.map((product) => product.id) }
    },
  )
}
