import { randomUUID } from 'node:crypto'
import type { Pool } from 'pg'
import { createReactor, emitEvent, type Reactor, type ReactionContext } from '@faultline/saga-kit'
import type { SagaTransport } from '@faultline/saga-kit'
import { CHANNELS } from '../shared/order-side/names.js'
import { readPayload } from '../shared/order-side/payload.js'

type ApprovedOrder = { orderId: string; customerId: string; productId: string; quantity: number }

/**
 * Creates the order's shipment and emits `shipment.created`, in the reaction's transaction (the
 * reactor's inbox entry commits with them, so a redelivered `order.approved` does nothing).
 */
function onOrderApproved(transport: SagaTransport) {
  return async ({ tx, event }: ReactionContext) => {
    const order = readPayload<ApprovedOrder>(event.body, {
      orderId: 'string',
      customerId: 'string',
      productId: 'string',
      quantity: 'integer',
    })
    const id = randomUUID()
    const created = await tx.client.query(
      `INSERT INTO shipments (order_id, id, customer_id, product_id, quantity, status)
       VALUES ($1, $2, $3, $4, $5, 'CREATED') ON CONFLICT (order_id) DO NOTHING`,
      [order.orderId, id, order.customerId, order.productId, order.quantity],
    )
    if (created.rowCount !== 1) return
    await emitEvent(tx, transport, CHANNELS.shipment, {
      type: 'shipment.created',
      key: order.orderId,
      payload: { shipmentId: id, orderId: order.orderId },
    })
  }
}

/** Shipping's choreography: reacts to `order.approved` on the order channel. */
export function createShippingReactor(pool: Pool, transport: SagaTransport): Reactor {
  return createReactor({
    db: pool,
    transport,
    name: 'shipping',
    channel: CHANNELS.order,
    on: { 'order.approved': onOrderApproved(transport) },
  })
}
