import type { FastifyInstance } from 'fastify'
import type { Pool } from 'pg'
import { httpError } from '../../wiring/http/http-error.js'
import { findStock, inventoryState, setStock } from './stock-store.js'

const PRODUCT_PARAMS = {
  type: 'object',
  required: ['productId'],
  properties: {
    productId: { type: 'string', minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9._:-]+$' },
  },
} as const

const SET_STOCK_BODY = {
  type: 'object',
  required: ['available'],
  properties: { available: { type: 'integer', minimum: 0, maximum: 1_000_000_000 } },
} as const

const OPS_QUERY = {
  type: 'object',
  properties: { limit: { type: 'integer', minimum: 1, maximum: 10_000, default: 1_000 } },
} as const

/** `PUT /admin/stock/:productId`, `GET /stock/:productId` and `GET /ops/state`. */
export function registerInventoryRoutes(app: FastifyInstance, pool: Pool): void {
  app.put(
    '/admin/stock/:productId',
    { schema: { params: PRODUCT_PARAMS, body: SET_STOCK_BODY } },
    async (request) => {
      const { productId } = request.params as { productId: string }
      const { available } = request.body as { available: number }
      await setStock(pool, productId, available)
      return findStock(pool, productId)
    },
  )
  app.get('/stock/:productId', { schema: { params: PRODUCT_PARAMS } }, async (request) => {
    const { productId } = request.params as { productId: string }
    const stock = await findStock(pool, productId)
    if (stock === undefined) throw httpError(404, 'E_STOCK_NOT_FOUND', `No stock of ${productId}.`)
    return stock
  })
  app.get('/ops/state', { schema: { querystring: OPS_QUERY } }, async (request) => {
    const { limit } = request.query as { limit: number }
    return inventoryState(pool, limit)
  })
}
