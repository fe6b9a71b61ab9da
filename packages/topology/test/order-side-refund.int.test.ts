import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { waitFor } from './helpers.js'
import {
  closeClient,
  json,
  scalar,
  send,
  startOrderSide,
  type OrderSideRun,
} from './order-side/harness.js'

// Short enough that a hung charge times out (three attempts) while the test watches.
const STEP_TIMEOUT_MS = 5_000

let run: OrderSideRun

beforeAll(async () => {
  run = await startOrderSide({ logLevel: 'warn', stepTimeoutMs: STEP_TIMEOUT_MS })
})

afterAll(async () => {
  await run?.stop()
  await closeClient()
})

async function chaos(settings: Record<string, unknown>): Promise<void> {
  const put = await send(run.urls.payments, '/admin/chaos', {
    method: 'PUT',
    body: settings,
    headers: await run.bearer('ops'),
  })
  expect(put.status).toBe(200)
}

describe('order side: compensation after a charge that may have happened', () => {
  test('a charge that hangs past its step timeout is refunded once it lands: stock restored, no charge left, order REJECTED', async () => {
    const stock = await send(run.urls.inventory, '/admin/stock/p-refund', {
      method: 'PUT',
      body: { available: 4 },
      headers: await run.bearer('ops'),
    })
    expect(stock.status, stock.text).toBe(200)
    await chaos({ hang: true })
    let orderId = ''
    try {
      const placed = await send(run.urls.orders, '/orders', {
        method: 'POST',
        body: { customerId: 'c-refund', productId: 'p-refund', quantity: 3, amountCents: 4200 },
        headers: { 'idempotency-key': 'refund-1', ...(await run.bearer('customer', 'c-refund')) },
      })
      expect(placed.status).toBe(201)
      orderId = (JSON.parse(placed.text) as { id: string }).id
      // Every attempt of the charge timed out, so the saga turns back and asks for a refund.
      const compensating = `SELECT count(*) FROM saga.instance
        WHERE saga_id = $1 AND state = 'COMPENSATING'`
      await waitFor(
        'the saga to compensate',
        async () => (await scalar(run.db.orders, compensating, [orderId])) === 1,
        120_000,
      )
    } finally {
      // The hung charge now goes through, late; the refund behind it undoes it.
      await chaos({ hang: false })
    }
    const asCustomer = { headers: await run.bearer('customer', 'c-refund') }
    await waitFor(
      'the order to be rejected',
      async () =>
        (await json<{ status: string }>(run.urls.orders, `/orders/${orderId}`, asCustomer)).body
          .status === 'REJECTED',
      120_000,
    )
    const charges = await run.db.payments.query<{ status: string }>(
      'SELECT status FROM charges WHERE order_id = $1',
      [orderId],
    )
    expect(charges.rows).toEqual([{ status: 'REFUNDED' }])
    const refunds = 'SELECT count(*) FROM refunds WHERE order_id = $1'
    expect(await scalar(run.db.payments, refunds, [orderId])).toBe(1)
    const available = 'SELECT available FROM stock WHERE product_id = $1'
    expect(await scalar(run.db.inventory, available, ['p-refund'])).toBe(4)
    const state = `SELECT state FROM saga.instance WHERE saga_id = $1`
    expect((await run.db.orders.query(state, [orderId])).rows).toEqual([{ state: 'COMPENSATED' }])
  })

  test('SIGTERM while payments hangs on a charge: payments still drains and exits 0', async () => {
    const stock = await send(run.urls.inventory, '/admin/stock/p-stop', {
      method: 'PUT',
      body: { available: 1 },
      headers: await run.bearer('ops'),
    })
    expect(stock.status, stock.text).toBe(200)
    await chaos({ hang: true })
    const placed = await send(run.urls.orders, '/orders', {
      method: 'POST',
      body: { customerId: 'c-stop', productId: 'p-stop', quantity: 1, amountCents: 100 },
      headers: { 'idempotency-key': 'stop-1', ...(await run.bearer('customer', 'c-stop')) },
    })
    expect(placed.status).toBe(201)
    const orderId = (JSON.parse(placed.text) as { id: string }).id
    const charging = `SELECT count(*) FROM saga.step
      WHERE saga_id = $1 AND step_id = 'charge' AND status = 'waiting'`
    await waitFor('the charge command to be sent', async () => {
      return (await scalar(run.db.orders, charging, [orderId])) === 1
    })
    const from = run.events.length
    await run.stopServices()
    const exits = run.events.slice(from).filter((event) => event.type === 'instance:exited')
    expect(exits.find((event) => event.instance === 'payments-1')).toMatchObject({
      code: 0,
      expected: true,
    })
  })
})
