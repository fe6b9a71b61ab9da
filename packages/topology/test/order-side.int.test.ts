import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { encodeEnvelope, uuidv7 } from '@faultline/sync-kit'
import { createKafkaPublisher } from '@faultline/sync-kit/kafka'
import { Kafka, logLevel } from 'kafkajs'
import { TOPIC_PARTITIONS } from '../src/services/shared/names.js'
import { CHANNELS, channelTopic } from '../src/services/shared/order-side/names.js'
import { waitFor } from './helpers.js'
import {
  closeClient,
  json,
  scalar,
  send,
  startOrderSide,
  type OrderSideRun,
} from './order-side/harness.js'

// Commands queue behind a flash sale's backlog; a step timeout shorter than that backlog would
// time out reservations that did succeed, and then approve fewer orders than there is stock.
const STEP_TIMEOUT_MS = 240_000

let run: OrderSideRun

beforeAll(async () => {
  run = await startOrderSide({ logLevel: 'warn', stepTimeoutMs: STEP_TIMEOUT_MS })
})

afterAll(async () => {
  await run?.stop()
  await closeClient()
})

type Order = { id: string; status: string; customerId: string; productId: string }

/** Who placed each order: only that customer's token may read it. */
const customers = new Map<string, string>()

async function setStock(productId: string, available: number): Promise<void> {
  const put = await send(run.urls.inventory, `/admin/stock/${productId}`, {
    method: 'PUT',
    body: { available },
    headers: await run.bearer('ops'),
  })
  expect(put.status).toBe(200)
}

async function available(productId: string): Promise<number> {
  return scalar(run.db.inventory, 'SELECT available FROM stock WHERE product_id = $1', [productId])
}

/** Places an order as the customer the body names. */
async function placeOrder(body: Record<string, unknown>, key: string = randomUUID()) {
  const customer = String(body.customerId)
  const placed = await send(run.urls.orders, '/orders', {
    method: 'POST',
    body,
    headers: { 'idempotency-key': key, ...(await run.bearer('customer', customer)) },
  })
  if (placed.status === 201) customers.set((JSON.parse(placed.text) as Order).id, customer)
  return placed
}

/** `GET /orders/:id` as the customer who placed it. */
async function getOrder(id: string) {
  return json<Order>(run.urls.orders, `/orders/${id}`, {
    headers: await run.bearer('customer', customers.get(id)),
  })
}

async function settledStatus(id: string): Promise<string> {
  let status = 'PENDING'
  await waitFor(
    `order ${id} to leave PENDING`,
    async () => {
      status = (await getOrder(id)).body.status
      return status !== 'PENDING'
    },
    120_000,
  )
  return status
}

async function chaos(settings: Record<string, unknown>): Promise<void> {
  const put = await send(run.urls.payments, '/admin/chaos', {
    method: 'PUT',
    body: settings,
    headers: await run.bearer('ops'),
  })
  expect(put.status).toBe(200)
}

describe('order side (orders, inventory, payments, shipping over Kafka)', () => {
  test('an order is approved end to end: stock reserved, card charged, shipment created', async () => {
    await setStock('p-e2e', 5)
    const placed = await placeOrder({
      customerId: 'c-1',
      productId: 'p-e2e',
      quantity: 2,
      amountCents: 1500,
    })
    expect(placed.status).toBe(201)
    const order = JSON.parse(placed.text) as Order
    expect(order.status).toBe('PENDING')
    expect(await settledStatus(order.id)).toBe('APPROVED')
    expect(await available('p-e2e')).toBe(3)
    const charged = `SELECT count(*) FROM charges WHERE order_id = $1 AND status = 'CHARGED'`
    expect(await scalar(run.db.payments, charged, [order.id])).toBe(1)
    await waitFor('the shipment', async () => {
      const shipments = 'SELECT count(*) FROM shipments WHERE order_id = $1'
      return (await scalar(run.db.shipping, shipments, [order.id])) === 1
    })
    const state = await json<{ orders: { id: string; status: string; customer: string }[] }>(
      run.urls.orders,
      '/ops/state',
      { headers: await run.bearer('ops') },
    )
    expect(state.body.orders).toContainEqual({ id: order.id, status: 'APPROVED', customer: 'c-1' })
  })

  test('/readyz: every service reports its database and consumers ready', async () => {
    for (const service of ['orders', 'inventory', 'payments', 'shipping'] as const) {
      const ready = await json<{ ready: boolean; checks: Record<string, { ready: boolean }> }>(
        run.urls[service],
        '/readyz',
      )
      expect(ready.status).toBe(200)
      expect(ready.body.checks).toMatchObject({
        database: { ready: true },
        consumers: { ready: true },
      })
    }
  })

  test('payments hang: the charge waits without a reply while hang is on, and goes through once it is off', async () => {
    await setStock('p-hang', 5)
    await chaos({ hang: true })
    let order: Order
    try {
      const placed = await placeOrder({
        customerId: 'c-hang',
        productId: 'p-hang',
        quantity: 1,
        amountCents: 300,
      })
      order = JSON.parse(placed.text) as Order
      const charging = `SELECT count(*) FROM saga.step
        WHERE saga_id = $1 AND step_id = 'charge' AND status = 'waiting'`
      await waitFor('the charge command to be sent', async () => {
        return (await scalar(run.db.orders, charging, [order.id])) === 1
      })
      const charges = 'SELECT count(*) FROM charges WHERE order_id = $1'
      expect(await scalar(run.db.payments, charges, [order.id])).toBe(0)
      expect((await getOrder(order.id)).body.status).toBe('PENDING')
    } finally {
      await chaos({ hang: false })
    }
    expect(await settledStatus(order.id)).toBe('APPROVED')
  })

  test('a payment failure compensates: stock restored, no charge left, order REJECTED', async () => {
    await setStock('p-fail', 5)
    await chaos({ failureRate: 1 })
    try {
      const placed = await placeOrder({
        customerId: 'c-2',
        productId: 'p-fail',
        quantity: 2,
        amountCents: 900,
      })
      expect(placed.status).toBe(201)
      const order = JSON.parse(placed.text) as Order
      expect(await settledStatus(order.id)).toBe('REJECTED')
      // The reservation was made, then released by the compensation.
      const reservations = `SELECT status FROM reservations WHERE order_id = $1`
      const rows = (await run.db.inventory.query(reservations, [order.id])).rows
      expect(rows).toEqual([{ status: 'RELEASED' }])
      expect(await available('p-fail')).toBe(5)
      const charged = `SELECT count(*) FROM charges WHERE order_id = $1 AND status = 'CHARGED'`
      expect(await scalar(run.db.payments, charged, [order.id])).toBe(0)
      const shipments = 'SELECT count(*) FROM shipments WHERE order_id = $1'
      expect(await scalar(run.db.shipping, shipments, [order.id])).toBe(0)
    } finally {
      await chaos({ failureRate: 0 })
    }
  })

  test('Idempotency-Key: concurrent and later replays create one order and get the first response byte for byte', async () => {
    await setStock('p-idem', 100)
    const key = `key-${randomUUID()}`
    const body = { customerId: 'c-idem', productId: 'p-idem', quantity: 1, amountCents: 100 }
    const first = await Promise.all(Array.from({ length: 20 }, () => placeOrder(body, key)))
    expect(new Set(first.map((response) => response.status))).toEqual(new Set([201]))
    expect(new Set(first.map((response) => response.text)).size).toBe(1)
    const order = JSON.parse(first[0]!.text) as Order
    expect(await settledStatus(order.id)).toBe('APPROVED')
    // After the saga moved the order on, a replay still returns the first response, as sent.
    const later = await placeOrder(
      { amountCents: 100, quantity: 1, productId: 'p-idem', customerId: 'c-idem' },
      key,
    )
    expect(later.status).toBe(201)
    expect(later.text).toBe(first[0]!.text)
    expect(later.headers['idempotent-replayed']).toBe('true')
    const reused = await placeOrder({ ...body, quantity: 2 }, key)
    expect(reused.status).toBe(422)
    const orders = `SELECT count(*) FROM orders WHERE customer_id = 'c-idem'`
    expect(await scalar(run.db.orders, orders)).toBe(1)
    expect(await available('p-idem')).toBe(99)
  })

  test('bad input is a 400 naming the field, never a 5xx', async () => {
    const asC = await run.bearer('customer', 'c')
    const missingKey = await send(run.urls.orders, '/orders', {
      method: 'POST',
      body: { customerId: 'c', productId: 'p', quantity: 1, amountCents: 1 },
      headers: asC,
    })
    expect(missingKey.status).toBe(400)
    const extra = await placeOrder({
      customerId: 'c',
      productId: 'p',
      quantity: 1,
      amountCents: 1,
      admin: true,
    })
    expect(extra.status).toBe(400)
    expect(JSON.parse(extra.text)).toMatchObject({ field: 'body/admin' })
    const zero = await placeOrder({ customerId: 'c', productId: 'p', quantity: 0, amountCents: 1 })
    expect(JSON.parse(zero.text)).toMatchObject({ field: 'body/quantity' })
    const badChaos = await send(run.urls.payments, '/admin/chaos', {
      method: 'PUT',
      body: { failureRate: 2 },
      headers: await run.bearer('ops'),
    })
    expect(badChaos.status).toBe(400)
    expect((await send(run.urls.orders, '/orders/not-a-uuid', { headers: asC })).status).toBe(400)
    expect((await send(run.urls.orders, `/orders/${randomUUID()}`, { headers: asC })).status).toBe(
      404,
    )
  })

  test('flash sale: 2,000 concurrent orders on 50 units approve exactly 50; stock ends at 0, never below', async () => {
    const units = 50
    const orders = 2_000
    await setStock('p-flash', units)
    let lowest = units
    let sampling = true
    const sampler = (async () => {
      while (sampling) {
        lowest = Math.min(lowest, await available('p-flash'))
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    })()
    const placed = await Promise.all(
      Array.from({ length: orders }, (_, index) =>
        placeOrder({
          customerId: `flash-${index}`,
          productId: 'p-flash',
          quantity: 1,
          amountCents: 10,
        }),
      ),
    )
    expect(placed.filter((response) => response.status === 201)).toHaveLength(orders)
    const pending = `SELECT count(*) FROM orders WHERE product_id = 'p-flash' AND status = 'PENDING'`
    await waitFor(
      'every flash-sale order to settle',
      async () => (await scalar(run.db.orders, pending)) === 0,
      600_000,
    )
    sampling = false
    await sampler
    const count = (status: string) =>
      scalar(
        run.db.orders,
        `SELECT count(*) FROM orders WHERE product_id = 'p-flash' AND status = $1`,
        [status],
      )
    expect(await count('APPROVED')).toBe(units)
    expect(await count('REJECTED')).toBe(orders - units)
    expect(await available('p-flash')).toBe(0)
    expect(lowest).toBeGreaterThanOrEqual(0)
    const held = `SELECT count(*) FROM reservations WHERE product_id = 'p-flash' AND status = 'RESERVED'`
    expect(await scalar(run.db.inventory, held)).toBe(units)
    const charges = `SELECT count(*) FROM charges WHERE customer_id LIKE 'flash-%' AND status = 'CHARGED'`
    expect(await scalar(run.db.payments, charges)).toBe(units)
  }, 900_000)

  test("inventory opens stock for a product the catalog creates, from the catalog's event on Kafka", async () => {
    const publisher = createKafkaPublisher({ brokers: [...run.kafkaBrokers] })
    const created = (id: string, stock: number, sequence: number, change: string) => ({
      topic: `${run.namespace}outbox.event.product`,
      ...encodeEnvelope({
        id: uuidv7(),
        aggregateType: 'product',
        aggregateId: id,
        type: 'catalog.product.changed',
        schemaVersion: 1,
        sequence,
        payload: { id, stock, change, name: 'n', category: 'c', priceCents: 1, version: sequence },
        headers: {},
        occurredAt: new Date().toISOString(),
      }),
    })
    try {
      const results = await publisher.publish([
        created('p-catalog', 7, 1, 'created'),
        // Later changes leave inventory's live count alone.
        created('p-catalog', 500, 2, 'replaced'),
        created('p-catalog-2', 3, 1, 'created'),
      ])
      expect(results.every((result) => result.ok)).toBe(true)
      const applied = `SELECT count(*) FROM sync_inbox_position
        WHERE aggregatetype = 'product' AND aggregateid = 'p-catalog' AND last_sequence = 2`
      await waitFor('both events of the first product to be applied', async () => {
        return (await scalar(run.db.inventory, applied)) === 1
      })
      await waitFor('stock of the second product', async () => {
        return (await available('p-catalog-2')) === 3
      })
      expect(await available('p-catalog')).toBe(7)
    } finally {
      await publisher.close()
    }
  })

  test('a SIGKILLed relay loses nothing: an order placed while relay-orders is down is approved once it is back', async () => {
    await setStock('p-relay', 5)
    const relay = run.supervisor.service('relay-orders').instance(1)
    await relay.kill()
    await waitFor('relay-orders to be down', () => relay.state === 'crashed')
    const placed = await placeOrder({
      customerId: 'c-relay',
      productId: 'p-relay',
      quantity: 1,
      amountCents: 700,
    })
    expect(placed.status).toBe(201)
    const order = JSON.parse(placed.text) as Order
    // Its reserve command is committed in the orders outbox, but nothing carries it to Kafka.
    const outbox = `SELECT count(*) FROM sync_outbox WHERE aggregateid = $1`
    expect(await scalar(run.db.orders, outbox, [order.id])).toBe(1)
    const reservations = 'SELECT count(*) FROM reservations WHERE order_id = $1'
    expect(await scalar(run.db.inventory, reservations, [order.id])).toBe(0)
    await relay.restart()
    expect(await settledStatus(order.id)).toBe('APPROVED')
    expect(await available('p-relay')).toBe(4)
  })

  test('saga topics have TOPIC_PARTITIONS partitions, and the sagas so far used more than one of them', async () => {
    const kafka = new Kafka({ brokers: [...run.kafkaBrokers], logLevel: logLevel.NOTHING })
    const admin = kafka.admin()
    await admin.connect()
    try {
      const channels = [CHANNELS.inventory, CHANNELS.payments, CHANNELS.replies, CHANNELS.order]
      for (const channel of channels) {
        const topic = channelTopic(run.namespace, channel)
        const offsets = await admin.fetchTopicOffsets(topic)
        expect(offsets, topic).toHaveLength(TOPIC_PARTITIONS)
        // Each saga's messages are keyed by its id, so the sagas spread over the partitions.
        const used = offsets.filter((partition) => Number(partition.high) > 0)
        expect(used.length, topic).toBeGreaterThan(1)
      }
    } finally {
      await admin.disconnect()
    }
  })

  test('SIGTERM drains: every process shuts down cleanly (exit 0) within its bound', async () => {
    const from = run.events.length
    await run.stopServices()
    const exits = run.events.slice(from).filter((event) => event.type === 'instance:exited')
    expect(exits.map((event) => event.instance).sort()).toEqual(
      [
        'inventory-1',
        'orders-1',
        'payments-1',
        'relay-inventory-1',
        'relay-orders-1',
        'relay-payments-1',
        'relay-shipping-1',
        'shipping-1',
      ].sort(),
    )
    for (const exit of exits) expect(exit, exit.instance).toMatchObject({ code: 0, expected: true })
  })
})
