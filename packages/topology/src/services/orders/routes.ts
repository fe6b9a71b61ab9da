import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Pool } from 'pg'
import type { Orchestrator } from '@faultline/saga-kit'
import { httpError } from '../../wiring/http/http-error.js'
import { scopedKey } from './idempotency.js'
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

/**
 * The customer who calls: the token's subject. The auth plugin has checked the token and the
 * role; a request without an identity means the plugin is missing, and orders stay closed then.
 */
function customerOf(request: FastifyRequest): string {
  const sub = request.identity?.sub
  if (sub === undefined)
    throw httpError(401, 'E_TOPOLOGY_MISSING_TOKEN', 'Orders need a customer bearer token.')
  return sub
}

/**
 * `POST /orders`, `GET /orders/:id` and `GET /ops/state`. A customer orders for themselves only
 * (`customerId` must be the token's `sub`) and reads only their own orders: another customer's
 * order is answered exactly like one that does not exist, so its id is not confirmed.
 */
export function registerOrderRoutes(app: FastifyInstance, pool: Pool, orchestrator: Orchestrator) {
  app.post(
    '/orders',
    { schema: { body: CREATE_ORDER_BODY, headers: CREATE_ORDER_HEADERS } },
    async (request, reply) => {
      const customer = customerOf(request)
      const body = request.body as CreateOrderBody
      if (body.customerId !== customer)
        throw httpError(
          403,
          'E_ORDER_CUSTOMER_MISMATCH',
          "body/customerId must be the token's subject: a customer places orders for themselves only.",
        )
      const key = scopedKey(customer, request.headers['idempotency-key'] as string)
      const placed = await placeOrder(pool, orchestrator, key, body)
      // The stored text is sent as it is, so a replay is byte for byte the first response.
      return reply
        .code(placed.statusCode)
        .header('content-type', 'application/json; charset=utf-8')
        .header('idempotent-replayed', String(placed.replayed))
        .send(placed.body)
    },
  )
  app.get('/orders/:id', { schema: { params: ORDER_ID_PARAMS } }, async (request) => {
    const customer = customerOf(request)
    const { id } = request.params as { id: string }
    const order = await findOrder(pool, id)
    if (order === undefined || order.customerId !== customer)
      throw httpError(404, 'E_ORDER_NOT_FOUND', `No order ${id}.`)
    return order
  })
  app.get('/ops/state', { schema: { querystring: OPS_QUERY } }, async (request) => {
    const { limit } = request.query as { limit: number }
    return ordersState(pool, limit)
  })
}
