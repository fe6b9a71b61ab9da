import { randomUUID } from 'node:crypto'
import type { Pool } from 'pg'
import { withTx, type Orchestrator } from '@faultline/saga-kit'
import { httpError } from '../../wiring/http/http-error.js'
import { claimKey, requestHash, storeResponse, type StoredResponse } from './idempotency.js'
import { ORDER_SAGA, type OrderSagaData } from './order-saga.js'
import { insertOrder } from './order-store.js'
import type { CreateOrderBody } from './schemas.js'

/** The response to `POST /orders`, and whether it is a replay of the key's first one. */
export interface PlacedOrder extends StoredResponse {
  readonly replayed: boolean
}

/**
 * Places an order under an Idempotency-Key, in one transaction: claim the key, insert the order
 * PENDING, start its OrderSaga (whose first command goes into the outbox in this same commit),
 * and store the response. A replay of the key with the same body returns the stored response;
 * with another body it is refused with 422.
 */
export async function placeOrder(
  pool: Pool,
  orchestrator: Orchestrator,
  key: string,
  body: CreateOrderBody,
): Promise<PlacedOrder> {
  const hash = requestHash(body)
  return withTx(pool, async (tx) => {
    const claim = await claimKey(tx.client, key, hash)
    if (!claim.fresh) {
      if (claim.requestHash !== hash)
        throw httpError(
          422,
          'E_IDEMPOTENCY_KEY_REUSED',
          'This Idempotency-Key was already used for a different order; send a new key for a new order, or the same body to replay.',
        )
      return { ...claim.response, replayed: true }
    }
    const order = await insertOrder(tx.client, { id: randomUUID(), ...body })
    const data: OrderSagaData = { orderId: order.id, ...body }
    await orchestrator.start(ORDER_SAGA, data, { sagaId: order.id, tx })
    const response = { statusCode: 201, body: JSON.stringify(order) }
    await storeResponse(tx.client, key, response)
    return { ...response, replayed: false }
  })
}
