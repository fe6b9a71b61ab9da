import type { FastifyInstance } from 'fastify'
import type { Pool } from 'pg'
import type { Orchestrator } from '@faultline/saga-kit'
import { httpError } from '../../wiring/http/http-error.js'
import { findOrder, ordersState } from './order-store.js'
import { placeOrder } from './place-order.js'
import {
  CREATE_ORDER_BODY,
  CREATE_ORDER_HEADERS,
  ORDER_ID_PARAMS,
  type CreateOrderBody,
} from './schemas.js'

const OPS_QUERY = {
  type: 'object',
  properties: { limit: { type: 'integer', minimum: 1, maximum: 10_000, default: 1_000 } },
} as const

/** `POST /orders`, `GET /orders/:id` and `GET /ops/state`. */
export function registerOrderRoutes(app: FastifyInstance, pool: Pool, orchestrator: Orchestrator) {
  app.post(
    '/orders',
    { schema: { body: CREATE_ORDER_BODY, headers: CREATE_ORDER_HEADERS } },
    async (request, reply) => {
      const key = request.headers['idempotency-key'] as string
      const placed = await placeOrder(pool, orchestrator, key, request.body as CreateOrderBody)
      // The stored text is sent as it is, so a replay is byte for byte the first response.
      return reply
        .code(placed.statusCode)
        .header('content-type', 'application/json; charset=utf-8')
        .header('idempotent-replayed', String(placed.replayed))
        .send(placed.body)
    },
  )
  app.get('/orders/:id', { schema: { params: ORDER_ID_PARAMS } }, async (request) => {
    const { id } = request.params as { id: string }
    const order = await findOrder(pool, id)
    if (order === undefined) throw httpError(404, 'E_ORDER_NOT_FOUND', `No order ${id}.`)
    return order
  })
  app.get('/ops/state', { schema: { querystring: OPS_QUERY } }, async (request) => {
    const { limit } = request.query as { limit: number }
    return ordersState(pool, limit)
  })
}
