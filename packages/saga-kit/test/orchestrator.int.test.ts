import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type pg from 'pg'
import {
  createMemoryTransport,
  createOrchestrator,
  defineSaga,
  isSagaKitError,
  withTx,
  type MemoryTransport,
  type Orchestrator,
  type SagaEvent,
} from '@faultline/saga-kit'
import { count, startTestDb, waitFor, type TestDb } from './support/harness.js'
import { createShopTables, orderSaga, startParticipants } from './support/order-saga.js'

let db: TestDb
let pool: pg.Pool
let transport: MemoryTransport
let orch: Orchestrator
const events: SagaEvent[] = []

beforeAll(async () => {
  db = await startTestDb()
  pool = db.pool
  await createShopTables(pool)
  transport = createMemoryTransport()
  await startParticipants(pool, transport)
  orch = createOrchestrator({
    db: pool,
    sagas: [orderSaga()],
    transport,
    onEvent: (event) => events.push(event),
    pollIntervalMs: 20,
  })
  await orch.listen()
})
afterAll(async () => {
  await orch?.close()
  await db?.stop()
})

const state = async (id: string) => (await orch.get(id))?.state

describe('Orchestrator', () => {
  test('runs the order saga to COMPLETED through local steps and participant commands', async () => {
    const row = await orch.start(
      'order',
      { orderId: 'o1', sku: 'sku-1', qty: 2, amount: 10 },
      { sagaId: 's1' },
    )
    expect(row).toMatchObject({ sagaId: 's1', created: true })
    await waitFor(async () => (await state('s1')) === 'COMPLETED')
    expect(
      await count(pool, `SELECT count(*) n FROM orders WHERE order_id='o1' AND status='APPROVED'`),
    ).toBe(1)
    expect(await count(pool, `SELECT count(*) n FROM payment WHERE order_id='o1'`)).toBe(1)
    const kinds = (await orch.history('s1')).map((entry) => entry.kind)
    expect(kinds[0]).toBe('started')
    expect(kinds.at(-1)).toBe('completed')
    expect(
      events.filter((event) => event.type === 'saga:completed' && event.sagaId === 's1'),
    ).toHaveLength(1)
  })

  test('start() is idempotent on sagaId', async () => {
    await orch.start('order', { orderId: 'o2', sku: 'sku-1', qty: 1, amount: 5 }, { sagaId: 's2' })
    const again = await orch.start(
      'order',
      { orderId: 'o2', sku: 'sku-1', qty: 1, amount: 5 },
      { sagaId: 's2' },
    )
    expect(again.created).toBe(false)
    await waitFor(async () => (await state('s2')) === 'COMPLETED')
    expect(
      await count(pool, `SELECT count(*) n FROM effect_log WHERE key='s2:reserve-stock'`),
    ).toBe(1)
  })

  test('a declined charge compensates the completed steps in reverse order, once each', async () => {
    await orch.start(
      'order',
      { orderId: 'o3', sku: 'sku-1', qty: 3, amount: 7, declineCard: true },
      { sagaId: 's3' },
    )
    await waitFor(async () => (await state('s3')) === 'COMPENSATED')
    const comp = (await orch.history('s3'))
      .filter((entry) => entry.kind === 'step.completed' && entry.direction === 'compensate')
      .map((entry) => entry.stepId)
    expect(comp).toEqual(['reserve-stock', 'create-order'])
    expect(
      await count(
        pool,
        `SELECT count(*) n FROM effect_log WHERE key LIKE 's3:%' AND what='release'`,
      ),
    ).toBe(1)
    expect(await count(pool, `SELECT count(*) n FROM payment WHERE order_id='o3'`)).toBe(0)
    expect(
      await count(pool, `SELECT count(*) n FROM orders WHERE order_id='o3' AND status='REJECTED'`),
    ).toBe(1)
    expect(await orch.list({ state: 'COMPENSATED' })).toEqual(
      expect.arrayContaining([expect.objectContaining({ sagaId: 's3' })]),
    )
  })

  test('bad input: unknown saga, invalid data and a sagaId reused for another saga are SagaKitErrors', async () => {
    const unknown = await orch.start('nope', {}, { sagaId: 'x1' }).catch((error: unknown) => error)
    expect(isSagaKitError(unknown) && unknown.code).toBe('E_SAGA_UNKNOWN_SAGA')
    const invalid = await orch
      .start('order', { qty: -1 }, { sagaId: 'x2' })
      .catch((error: unknown) => error)
    expect(isSagaKitError(invalid) && invalid.code).toBe('E_SAGA_INVALID_DATA')
    expect((invalid as Error).message).toContain('needs an orderId')
    expect(await orch.get('x2')).toBeUndefined()
    const other = createOrchestrator({
      db: pool,
      sagas: [defineSaga('other').step('a', { invoke: () => 1 })],
      transport,
    })
    const conflict = await other
      .start('other', {}, { sagaId: 's1' })
      .catch((error: unknown) => error)
    expect(isSagaKitError(conflict) && conflict.code).toBe('E_SAGA_ID_CONFLICT')
  })

  test('replies that are malformed or name an unknown saga or step are dead-lettered, and processing goes on', async () => {
    const before = await count(pool, 'SELECT count(*) n FROM saga.dead_letter')
    const base = { sagaName: 'order', direction: 'invoke', attempt: 1, outcome: 'ok' }
    transport.publish('saga.replies', {
      id: 'm1',
      key: 'k',
      type: 'x',
      body: 'not an object',
      headers: {},
    })
    transport.publish('saga.replies', {
      id: 'm2',
      key: 'k',
      type: 'x',
      body: { ...base, sagaId: 'ghost', stepId: 'charge', idempotencyKey: 'ghost:charge' },
      headers: {},
    })
    transport.publish('saga.replies', {
      id: 'm3',
      key: 'k',
      type: 'x',
      body: { ...base, sagaId: 's1', stepId: 'no-such-step', idempotencyKey: 's1:no-such-step' },
      headers: {},
    })
    await transport.idle()
    const reasons = (
      await pool.query<{ reason: string }>('SELECT reason FROM saga.dead_letter ORDER BY id')
    ).rows
      .slice(before)
      .map((row) => row.reason)
      .sort() // replies are handled concurrently, so their dead letters may land in any order
    expect(reasons).toEqual([
      expect.stringContaining('malformed reply'),
      expect.stringContaining('no step "no-such-step"'),
      expect.stringContaining('unknown saga "ghost"'),
    ])
    await orch.start('order', { orderId: 'o4', sku: 'sku-1', qty: 1, amount: 1 }, { sagaId: 's4' })
    await waitFor(async () => (await state('s4')) === 'COMPLETED')
  })

  test("start({ tx }) joins the caller's transaction: a rollback leaves no saga and sends nothing", async () => {
    const sent = transport.sent.length
    await withTx(pool, async (tx) => {
      await tx.client.query(`INSERT INTO orders VALUES ('o9', 'PENDING')`)
      await orch.start(
        'order',
        { orderId: 'o9', sku: 'sku-1', qty: 1, amount: 1 },
        { sagaId: 's9', tx },
      )
      throw new Error('caller aborts')
    }).catch(() => {})
    expect(await orch.get('s9')).toBeUndefined()
    expect(transport.sent.length).toBe(sent)
    await withTx(pool, (tx) =>
      orch.start(
        'order',
        { orderId: 'o10', sku: 'sku-1', qty: 1, amount: 1 },
        { sagaId: 's10', tx },
      ),
    )
    await waitFor(async () => (await state('s10')) === 'COMPLETED')
  })
})
