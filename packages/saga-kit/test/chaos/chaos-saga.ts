import {
  command,
  defineParticipant,
  defineSaga,
  rejectStep,
  type CommandHandler,
} from '@faultline/saga-kit'

/** Start data of a chaos order. */
export interface ChaosOrder {
  orderId: string
  qty: number
  amount: number
  declineCard: boolean
  /** The refund always fails for these orders: the only sagas allowed to end FAILED. */
  failRefund: boolean
}

// Above the transports' stalls: over Kafka, each kill stalls the killed orchestrator's reply
// partitions for its 3 s session, and a reply can sit through two kills back to back; a relay kill
// stalls every message while it restarts. A step then times out for a late reply, rarely for a kill.
const STEP_TIMEOUT_MS = 10_000
// Over Kafka a command queued behind a late reply on its partition waits out that reply too; an
// undo gets twice the time, so a refund that fails on purpose ends FAILED for its own error.
const COMPENSATION_TIMEOUT_MS = 2 * STEP_TIMEOUT_MS
const retry = { maxAttempts: 3, initialDelayMs: 50, maxDelayMs: 400 }
// Compensations must get through: a generous budget, so only an undo that always fails ends FAILED.
const compensationRetry = { maxAttempts: 10, initialDelayMs: 100, maxDelayMs: 1_000 }

/** Stock row of the sagas that end FAILED on purpose, apart so they never run out. */
export const HELD_SKU = 'held'

/**
 * Deterministic data for saga number `i`: ~20% declined cards; 2% (`i % 50 === 7`) are made to
 * end FAILED: their card is accepted, their approval is refused, and their refund always fails.
 */
export function chaosData(index: number): ChaosOrder {
  const count = (index * 2654435761) % 1000
  const failRefund = index % 50 === 7
  return {
    orderId: `o${index}`,
    qty: 1 + (index % 3),
    amount: 10 + (index % 7),
    declineCard: !failRefund && count < 200,
    failRefund,
  }
}

/** The 4-step order saga of the chaos run. */
export const chaosSaga = () =>
  defineSaga<ChaosOrder>('chaos-order')
    .step('create-order', {
      invoke: async ({ tx, data }) =>
        void (await tx.client.query(`INSERT INTO orders VALUES ($1, 'PENDING')`, [data.orderId])),
      compensate: async ({ tx, data }) =>
        void (await tx.client.query(`UPDATE orders SET status = 'REJECTED' WHERE order_id = $1`, [
          data.orderId,
        ])),
    })
    .step('reserve-stock', {
      invoke: command('inventory', 'inventory.reserve', ({ data }) => ({
        qty: data.qty,
        failRefund: data.failRefund,
      })),
      compensate: command('inventory', 'inventory.release'),
      timeoutMs: STEP_TIMEOUT_MS,
      compensationTimeoutMs: COMPENSATION_TIMEOUT_MS,
      retry,
      compensationRetry,
    })
    .step('charge', {
      invoke: command('payments', 'payments.charge', ({ data }) => data),
      compensate: command('payments', 'payments.refund', ({ data }) => data),
      timeoutMs: STEP_TIMEOUT_MS,
      compensationTimeoutMs: COMPENSATION_TIMEOUT_MS,
      retry,
      compensationRetry,
    })
    .step('approve', {
      kind: 'pivot',
      invoke: async ({ tx, data }) => {
        // The on-purpose failures are refused here, after the charge, so they must be refunded.
        if (data.failRefund) throw rejectStep('approval refused: this order is undone on purpose')
        await tx.client.query(`UPDATE orders SET status = 'APPROVED' WHERE order_id = $1`, [
          data.orderId,
        ])
      },
    })

/** Business tables of the chaos run. */
export const CHAOS_TABLES = `
  CREATE TABLE stock (sku text PRIMARY KEY, qty int NOT NULL);
  CREATE TABLE reservation (key text PRIMARY KEY, qty int NOT NULL, sku text NOT NULL);
  CREATE TABLE payment (key text PRIMARY KEY, order_id text NOT NULL, amount int NOT NULL);
  CREATE TABLE orders (order_id text PRIMARY KEY, status text NOT NULL);
  CREATE TABLE effect_log (id bigserial PRIMARY KEY, key text NOT NULL, what text NOT NULL);
`

/**
 * Wraps a handler with late replies (beyond the step timeout) and transient failures. Commands
 * of the sagas made to fail on purpose are spared: they surely reach their refund, and the refund
 * fails for one reason only, the one the test checks.
 */
export function chaotic(
  handler: CommandHandler,
  random: () => number,
  counters: Record<string, number>,
): CommandHandler {
  return async (ctx) => {
    if ((ctx.payload as Partial<ChaosOrder> | null)?.failRefund === true) return handler(ctx)
    if (random() < Number(process.env.SAGA_CHAOS_LATE ?? 0.04)) {
      counters.late = (counters.late ?? 0) + 1
      await new Promise((resolve) => setTimeout(resolve, STEP_TIMEOUT_MS + 500))
    }
    if (random() < Number(process.env.SAGA_CHAOS_TRANSIENT ?? 0.1)) {
      counters.transient = (counters.transient ?? 0) + 1
      throw new Error('transient participant failure')
    }
    return handler(ctx)
  }
}

/** Switches of the one fault that is not random: refunds of `failRefund` orders. */
export interface ChaosFaults {
  /** False while the refund provider rejects those orders; the test sets it before `resume()`. */
  refundWorks: boolean
}

/** The chaos participants; failures are injected by {@link chaotic}. */
export function chaosParticipants(
  random: () => number,
  counters: Record<string, number>,
  faults: ChaosFaults = { refundWorks: false },
) {
  const wrap = (handler: CommandHandler) => chaotic(handler, random, counters)
  return [
    defineParticipant('inventory', {
      'inventory.reserve': wrap(async ({ tx, payload, idempotencyKey }) => {
        const { qty, failRefund } = payload as { qty: number; failRefund: boolean }
        const sku = failRefund ? HELD_SKU : 'sku'
        const res = await tx.client.query(
          `UPDATE stock SET qty = qty - $1 WHERE sku = $2 AND qty >= $1`,
          [qty, sku],
        )
        if (res.rowCount !== 1) throw rejectStep('out of stock')
        await tx.client.query('INSERT INTO reservation VALUES ($1, $2, $3)', [
          idempotencyKey,
          qty,
          sku,
        ])
        await tx.client.query(`INSERT INTO effect_log (key, what) VALUES ($1, 'reserve')`, [
          idempotencyKey,
        ])
      }),
      'inventory.release': wrap(async ({ tx, idempotencyKey }) => {
        const { rows } = await tx.client.query<{ qty: number; sku: string }>(
          'DELETE FROM reservation WHERE key = $1 RETURNING qty, sku',
          [idempotencyKey],
        )
        for (const row of rows)
          await tx.client.query('UPDATE stock SET qty = qty + $1 WHERE sku = $2', [
            row.qty,
            row.sku,
          ])
        await tx.client.query(`INSERT INTO effect_log (key, what) VALUES ($1, 'release')`, [
          idempotencyKey,
        ])
      }),
    }),
    defineParticipant('payments', {
      'payments.charge': wrap(async ({ tx, payload, idempotencyKey }) => {
        const order = payload as ChaosOrder
        if (order.declineCard) throw rejectStep('card declined')
        await tx.client.query('INSERT INTO payment VALUES ($1, $2, $3)', [
          idempotencyKey,
          order.orderId,
          order.amount,
        ])
        await tx.client.query(`INSERT INTO effect_log (key, what) VALUES ($1, 'charge')`, [
          idempotencyKey,
        ])
      }),
      'payments.refund': wrap(async ({ tx, payload, idempotencyKey }) => {
        if ((payload as ChaosOrder).failRefund && !faults.refundWorks)
          throw new Error('refund provider rejects this card')
        await tx.client.query('DELETE FROM payment WHERE key = $1', [idempotencyKey])
        await tx.client.query(`INSERT INTO effect_log (key, what) VALUES ($1, 'refund')`, [
          idempotencyKey,
        ])
      }),
    }),
  ]
}
