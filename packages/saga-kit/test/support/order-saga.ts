import type pg from 'pg'
import {
  command,
  createParticipant,
  defineParticipant,
  defineSaga,
  rejectStep,
  type Participant,
  type SagaTransport,
} from '@faultline/saga-kit'

/** Start data of the test order saga. */
export interface Order {
  orderId: string
  sku: string
  qty: number
  amount: number
  /** Makes the payment participant decline. */
  declineCard?: boolean
}

/** Business tables of the test services, in one database for brevity. */
export async function createShopTables(pool: pg.Pool, stock = 1000): Promise<void> {
  await pool.query(`
    CREATE TABLE IF NOT EXISTS stock (sku text PRIMARY KEY, qty int NOT NULL);
    CREATE TABLE IF NOT EXISTS reservation (key text PRIMARY KEY, sku text, qty int);
    CREATE TABLE IF NOT EXISTS payment (key text PRIMARY KEY, order_id text, amount int);
    CREATE TABLE IF NOT EXISTS orders (order_id text PRIMARY KEY, status text NOT NULL);
    CREATE TABLE IF NOT EXISTS effect_log (id bigserial PRIMARY KEY, key text, what text);
  `)
  await pool.query(
    `INSERT INTO stock VALUES ('sku-1', $1) ON CONFLICT (sku) DO UPDATE SET qty = $1`,
    [stock],
  )
}

/** The order saga: reserve stock, charge, approve (pivot), notify (retriable). */
export function orderSaga(opts: { timeoutMs?: number; stepTimeoutMs?: number } = {}) {
  return defineSaga<Order>('order', {
    timeoutMs: opts.timeoutMs,
    validate: (decision) =>
      typeof decision === 'object' &&
      decision !== null &&
      typeof (decision as Order).orderId === 'string' &&
      (decision as Order).qty > 0
        ? true
        : 'needs an orderId and qty > 0',
  })
    .step('create-order', {
      invoke: async ({ tx, data }) => {
        await tx.client.query(`INSERT INTO orders VALUES ($1, 'PENDING') ON CONFLICT DO NOTHING`, [
          data.orderId,
        ])
      },
      compensate: async ({ tx, data }) => {
        await tx.client.query(`UPDATE orders SET status = 'REJECTED' WHERE order_id = $1`, [
          data.orderId,
        ])
      },
    })
    .step('reserve-stock', {
      invoke: command('inventory', 'inventory.reserve', ({ data }) => ({
        sku: data.sku,
        qty: data.qty,
      })),
      compensate: command('inventory', 'inventory.release', ({ data }) => ({ sku: data.sku })),
      timeoutMs: opts.stepTimeoutMs ?? 5_000,
    })
    .step('charge', {
      invoke: command('payments', 'payments.charge', ({ data }) => ({
        orderId: data.orderId,
        amount: data.amount,
        decline: data.declineCard === true,
      })),
      compensate: command('payments', 'payments.refund', ({ data }) => ({ orderId: data.orderId })),
      timeoutMs: opts.stepTimeoutMs ?? 5_000,
    })
    .step('approve', {
      kind: 'pivot',
      invoke: async ({ tx, data }) => {
        await tx.client.query(`UPDATE orders SET status = 'APPROVED' WHERE order_id = $1`, [
          data.orderId,
        ])
      },
    })
}

/** Inventory: reserves by decrementing stock; refuses to go negative. */
export const inventory = defineParticipant('inventory', {
  'inventory.reserve': async ({ tx, payload, idempotencyKey }) => {
    const { sku, qty } = payload as { sku: string; qty: number }
    const res = await tx.client.query(
      'UPDATE stock SET qty = qty - $2 WHERE sku = $1 AND qty >= $2',
      [sku, qty],
    )
    if (res.rowCount !== 1) throw rejectStep(`not enough ${sku}`)
    await tx.client.query('INSERT INTO reservation VALUES ($1,$2,$3)', [idempotencyKey, sku, qty])
    await tx.client.query(`INSERT INTO effect_log (key, what) VALUES ($1, 'reserve')`, [
      idempotencyKey,
    ])
    return { reserved: qty }
  },
  'inventory.release': async ({ tx, idempotencyKey }) => {
    const { rows } = await tx.client.query<{ sku: string; qty: number }>(
      'DELETE FROM reservation WHERE key = $1 RETURNING sku, qty',
      [idempotencyKey],
    )
    for (const row of rows)
      await tx.client.query('UPDATE stock SET qty = qty + $2 WHERE sku = $1', [row.sku, row.qty])
    await tx.client.query(`INSERT INTO effect_log (key, what) VALUES ($1, 'release')`, [
      idempotencyKey,
    ])
  },
})

/** Payments: charges, or declines when asked to. */
export const payments = defineParticipant('payments', {
  'payments.charge': async ({ tx, payload, idempotencyKey }) => {
    const { orderId, amount, decline } = payload as {
      orderId: string
      amount: number
      decline: boolean
    }
    if (decline) throw rejectStep('card declined')
    await tx.client.query('INSERT INTO payment VALUES ($1,$2,$3)', [
      idempotencyKey,
      orderId,
      amount,
    ])
    await tx.client.query(`INSERT INTO effect_log (key, what) VALUES ($1, 'charge')`, [
      idempotencyKey,
    ])
  },
  'payments.refund': async ({ tx, idempotencyKey }) => {
    await tx.client.query('DELETE FROM payment WHERE key = $1', [idempotencyKey])
    await tx.client.query(`INSERT INTO effect_log (key, what) VALUES ($1, 'refund')`, [
      idempotencyKey,
    ])
  },
})

/** Starts both participants on `transport`. */
export async function startParticipants(
  pool: pg.Pool,
  transport: SagaTransport,
): Promise<Participant[]> {
  const ps = [inventory, payments].map((definition) =>
    createParticipant({ db: pool, transport, definition }),
  )
  for (const participant of ps) await participant.listen()
  return ps
}
