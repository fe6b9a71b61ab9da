import { defineParticipant, rejectStep, type CommandContext } from '@faultline/saga-kit'
import { readPayload } from '../shared/order-side/payload.js'

type ReserveCommand = { orderId: string; productId: string; quantity: number }

/**
 * Takes stock with one conditional update: the row lock it takes serialises concurrent
 * reservations of a product, and `available >= quantity` is checked under that lock, so stock
 * is never oversold and never goes below zero. Not enough stock is a final "no".
 */
async function reserve({ tx, payload, idempotencyKey }: CommandContext) {
  const command = readPayload<ReserveCommand>(payload, {
    orderId: 'string',
    productId: 'string',
    quantity: 'integer',
  })
  const taken = await tx.client.query(
    `UPDATE stock SET available = available - $2, updated_at = now()
     WHERE product_id = $1 AND available >= $2`,
    [command.productId, command.quantity],
  )
  if (taken.rowCount !== 1)
    throw rejectStep(`not enough stock of ${command.productId} for ${command.quantity}`)
  await tx.client.query(
    `INSERT INTO reservations (id, order_id, product_id, quantity, status)
     VALUES ($1, $2, $3, $4, 'RESERVED')`,
    [idempotencyKey, command.orderId, command.productId, command.quantity],
  )
  return { reservationId: idempotencyKey }
}

/**
 * Gives a reservation's stock back, once: only a RESERVED reservation turns RELEASED, so a
 * repeated release, or the release of a reservation never made, changes nothing.
 */
async function release({ tx, idempotencyKey }: CommandContext) {
  const { rows } = await tx.client.query<{ product_id: string; quantity: number }>(
    `UPDATE reservations SET status = 'RELEASED', released_at = now()
     WHERE id = $1 AND status = 'RESERVED' RETURNING product_id, quantity`,
    [idempotencyKey],
  )
  const released = rows[0]
  if (released !== undefined)
    await tx.client.query(
      'UPDATE stock SET available = available + $2, updated_at = now() WHERE product_id = $1',
      [released.product_id, released.quantity],
    )
  return { released: released !== undefined }
}

/** The inventory participant: `inventory.reserve` and its compensation `inventory.release`. */
export const inventoryParticipant = defineParticipant('inventory', {
  'inventory.reserve': reserve,
  'inventory.release': release,
})
