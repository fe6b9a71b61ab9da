import { defineParticipant, rejectStep, type CommandContext } from '@faultline/saga-kit'
import { readPayload } from '../shared/order-side/payload.js'
import type { Chaos } from './chaos.js'

type ChargeCommand = { orderId: string; customerId: string; amountCents: number }

/** Charges once per saga step (the key is the charge's id); chaos may delay, hang or decline it. */
function charge(chaos: Chaos) {
  return async ({ tx, payload, idempotencyKey }: CommandContext) => {
    const command = readPayload<ChargeCommand>(payload, {
      orderId: 'string',
      customerId: 'string',
      amountCents: 'integer',
    })
    await chaos.disturb()
    if (chaos.declines()) throw rejectStep(`card of ${command.customerId} declined`)
    await tx.client.query(
      `INSERT INTO charges (id, order_id, customer_id, amount_cents, status)
       VALUES ($1, $2, $3, $4, 'CHARGED')`,
      [idempotencyKey, command.orderId, command.customerId, command.amountCents],
    )
    return { chargeId: idempotencyKey }
  }
}

/**
 * Refunds a charge once: only a CHARGED charge turns REFUNDED (with its refund row), so a
 * repeated refund, or the refund of a charge never made, changes nothing.
 */
function refund(chaos: Chaos) {
  return async ({ tx, idempotencyKey }: CommandContext) => {
    await chaos.disturb()
    const { rows } = await tx.client.query<{ order_id: string; amount_cents: string }>(
      `UPDATE charges SET status = 'REFUNDED', refunded_at = now()
       WHERE id = $1 AND status = 'CHARGED' RETURNING order_id, amount_cents`,
      [idempotencyKey],
    )
    const refunded = rows[0]
    if (refunded !== undefined)
      await tx.client.query(
        'INSERT INTO refunds (charge_id, order_id, amount_cents) VALUES ($1, $2, $3)',
        [idempotencyKey, refunded.order_id, refunded.amount_cents],
      )
    return { refunded: refunded !== undefined }
  }
}

/** The payments participant: `payments.charge` and its compensation `payments.refund`. */
export function paymentsParticipant(chaos: Chaos) {
  return defineParticipant('payments', {
    'payments.charge': charge(chaos),
    'payments.refund': refund(chaos),
  })
}
