import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  createMemoryTransport,
  createOrchestrator,
  createParticipant,
  withTx,
  type SagaMessage,
} from '@faultline/saga-kit'
import { SimulatedCrash, withFaultHook } from '@faultline/saga-kit/testing'
import { count, FakeClock, startTestDb, waitFor, type TestDb } from './support/harness.js'
import {
  createShopTables,
  inventory,
  orderSaga,
  payments,
  startParticipants,
} from './support/order-saga.js'

let db: TestDb
beforeAll(async () => {
  db = await startTestDb()
})
afterAll(async () => db?.stop())

const order = (index: number, extra = {}) => ({
  orderId: `o${index}`,
  sku: 'sku-1',
  qty: 1,
  amount: 10,
  ...extra,
})
const terminal = (step: string | undefined) =>
  step === 'COMPLETED' || step === 'COMPENSATED' || step === 'FAILED'

describe('duplicated and reordered replies', () => {
  test('every message delivered twice with random delays changes no outcome and no effect count', async () => {
    const pool = await db.fresh('dup_replies')
    await createShopTables(pool, 1000)
    const transport = createMemoryTransport({ duplicateRate: 1, maxDelayMs: 25 })
    await startParticipants(pool, transport)
    const orch = createOrchestrator({
      db: pool,
      sagas: [orderSaga()],
      transport,
      pollIntervalMs: 20,
    })
    await orch.listen()
    const value = 30
    await Promise.all(
      Array.from({ length: value }, (_, index) =>
        orch.start('order', order(index, { declineCard: index % 3 === 0 }), {
          sagaId: `d${index}`,
        }),
      ),
    )
    await waitFor(
      async () =>
        (await count(
          pool,
          `SELECT count(*) n FROM saga.instance WHERE state IN ('COMPLETED','COMPENSATED')`,
        )) === value,
    )
    await transport.idle()
    expect(
      await count(pool, `SELECT count(*) n FROM saga.instance WHERE state = 'COMPENSATED'`),
    ).toBe(10)
    expect(
      await count(
        pool,
        `SELECT count(*) n FROM (SELECT key, what FROM effect_log GROUP BY 1, 2 HAVING count(*) > 1) d`,
      ),
    ).toBe(0)
    expect(await count(pool, `SELECT count(*) n FROM payment`)).toBe(20)
    expect(await count(pool, `SELECT count(*) n FROM reservation`)).toBe(20)
    // Duplicates really reached the orchestrator and were recognised as such.
    expect(
      await count(pool, `SELECT count(*) n FROM saga.history WHERE kind = 'reply.ignored'`),
    ).toBeGreaterThanOrEqual(value)
    // Each command attempt was sent once, though every reply arrived twice.
    const sends = new Map<string, number>()
    for (const { channel, message } of transport.sent) {
      if (!channel.startsWith('saga.participant.')) continue
      const right = message.body as {
        sagaId: string
        stepId: string
        direction: string
        attempt: number
      }
      const text = `${right.sagaId}/${right.stepId}/${right.direction}/${right.attempt}`
      sends.set(text, (sends.get(text) ?? 0) + 1)
    }
    expect([...sends.values()].every((index) => index === 1)).toBe(true)
    await orch.close()
  })

  test('two copies of a reply applied concurrently advance the saga once; a naive read-then-write applies both', async () => {
    const pool = await db.fresh('concurrent_replies')
    await createShopTables(pool)
    const held: SagaMessage[] = []
    let holding = true
    const transport = createMemoryTransport({
      drop: (ch, message) =>
        holding && ch === 'saga.replies' && message.type === 'inventory.reserve.reply'
          ? (held.push(message), true)
          : false,
    })
    await startParticipants(pool, transport)
    const orch = createOrchestrator({ db: pool, sagas: [orderSaga()], transport, concurrency: 0 })
    await orch.listen()
    await orch.start('order', order(1), { sagaId: 'c1' })
    await waitFor(() => held.length === 1)
    const reply = held[0]!
    holding = false
    // The real handler: two concurrent deliveries of one reply.
    const before = transport.sent.filter((step) => step.message.type === 'payments.charge').length
    transport.publish('saga.replies', reply)
    transport.publish('saga.replies', reply)
    await transport.idle()
    expect(
      transport.sent.filter((step) => step.message.type === 'payments.charge').length - before,
    ).toBe(1)

    // The naive variant: read the step without a row lock and without checking its status.
    await pool.query('CREATE TABLE naive_sent (saga_id text, step_id text)')
    const naive = () =>
      withTx(pool, async (tx) => {
        const { rows } = await tx.client.query(
          `SELECT status FROM saga.step WHERE saga_id='c1' AND step_id='reserve-stock' AND direction='invoke'`,
        )
        await new Promise((resolve) => setTimeout(resolve, 50))
        if (rows.length > 0) await tx.client.query(`INSERT INTO naive_sent VALUES ('c1', 'charge')`)
      })
    await Promise.all([naive(), naive()])
    expect(await count(pool, 'SELECT count(*) n FROM naive_sent')).toBe(2)
    await orch.close()
  })
})

describe('deadlines', () => {
  test('a participant that never answers triggers the step deadline once; the saga compensates; a late reply is ignored', async () => {
    const pool = await db.fresh('deadline')
    await createShopTables(pool)
    const lost: SagaMessage[] = []
    const transport = createMemoryTransport({
      drop: (_ch, message) =>
        message.type === 'payments.charge' ? (lost.push(message), true) : false,
    })
    await startParticipants(pool, transport)
    const clock = new FakeClock()
    const timeouts: string[] = []
    const mk = (ownerId: string) =>
      createOrchestrator({
        db: pool,
        sagas: [orderSaga({ stepTimeoutMs: 1_000 })],
        transport,
        clock,
        concurrency: 0,
        ownerId,
        leaseMs: 100,
        onEvent: (event) =>
          void (event.type === 'step:timeout' && timeouts.push(`${ownerId}:${event.step}`)),
      })
    const [orchestrator, otherOrchestrator] = [mk('a'), mk('b')]
    await orchestrator.listen()
    await orchestrator.start('order', order(1), { sagaId: 't1' })
    await waitFor(() => lost.length === 1)
    await transport.idle()
    clock.advance(500)
    expect(await orchestrator.runDue()).toBe(0) // not due before its deadline
    clock.advance(1_000)
    await Promise.all([
      orchestrator.runDue(),
      otherOrchestrator.runDue(),
      orchestrator.runDue(),
      otherOrchestrator.runDue(),
    ])
    await transport.idle()
    await waitFor(async () => (await orchestrator.get('t1'))?.state === 'COMPENSATED')
    const history = await orchestrator.history('t1')
    expect(history.filter((entry) => entry.kind === 'step.timeout')).toHaveLength(1)
    expect(
      history
        .filter((entry) => entry.kind === 'step.completed' && entry.direction === 'compensate')
        .map((entry) => entry.stepId),
    ).toEqual(['charge', 'reserve-stock', 'create-order'])
    // The lost command finally arrives: the participant refuses it (its compensation came first).
    await createParticipant({ db: pool, transport, definition: payments }).handle(lost[0]!)
    await transport.idle()
    expect(await count(pool, 'SELECT count(*) n FROM payment')).toBe(0)
    expect((await orchestrator.get('t1'))?.state).toBe('COMPENSATED')
    expect(
      (await orchestrator.history('t1')).filter((entry) => entry.kind === 'reply.ignored'),
    ).toHaveLength(1)
    clock.advance(60_000)
    expect(await orchestrator.runDue()).toBe(0)
    expect(
      (await orchestrator.history('t1')).filter((entry) => entry.kind === 'step.timeout'),
    ).toHaveLength(1)
    expect(timeouts.map((text) => text.split(':')[1])).toEqual(['charge'])
    await orchestrator.close()
  })

  test('the saga deadline fires once before the pivot and is ignored after completion', async () => {
    const pool = await db.fresh('saga_deadline')
    await createShopTables(pool)
    const transport = createMemoryTransport({
      drop: (_ch, message) =>
        message.type === 'payments.charge' &&
        (message.body as { sagaId: string }).sagaId === 'late',
    })
    await startParticipants(pool, transport)
    const clock = new FakeClock()
    const orch = createOrchestrator({
      db: pool,
      sagas: [orderSaga({ timeoutMs: 3_000, stepTimeoutMs: 60_000 })],
      transport,
      clock,
      concurrency: 0,
    })
    await orch.listen()
    await orch.start('order', order(1), { sagaId: 'late' })
    await orch.start('order', order(2), { sagaId: 'fast' })
    await transport.idle()
    await waitFor(async () => (await orch.get('fast'))?.state === 'COMPLETED')
    clock.advance(3_001)
    await Promise.all([orch.runDue(), orch.runDue()])
    await transport.idle()
    await waitFor(async () => terminal((await orch.get('late'))?.state))
    expect((await orch.get('late'))?.state).toBe('COMPENSATED')
    expect(
      (await orch.history('late')).filter((entry) => entry.kind === 'deadline.fired'),
    ).toHaveLength(1)
    expect(
      (await orch.history('fast')).filter((entry) => entry.kind === 'deadline.fired'),
    ).toHaveLength(0)
    await orch.close()
  })
})

describe('participant crash between effect and reply', () => {
  test('the retried command has no second effect; a naive participant that commits the effect first double-charges', async () => {
    const pool = await db.fresh('participant_crash')
    await createShopTables(pool)
    const transport = createMemoryTransport({ redeliveryDelayMs: 5 })
    let crashes = 0
    const crashing = createParticipant(
      withFaultHook({ db: pool, transport, definition: inventory }, (point) => {
        if (point === 'participant:after-effect' && crashes++ < 2)
          throw new SimulatedCrash('killed after the effect, before the reply')
      }),
    )
    await crashing.listen()
    await createParticipant({ db: pool, transport, definition: payments }).listen()
    const orch = createOrchestrator({
      db: pool,
      sagas: [orderSaga()],
      transport,
      pollIntervalMs: 20,
    })
    await orch.listen()
    await orch.start('order', order(1, { qty: 5 }), { sagaId: 'pc1' })
    await waitFor(async () => (await orch.get('pc1'))?.state === 'COMPLETED')
    expect(crashes).toBe(3)
    expect(await count(pool, `SELECT count(*) n FROM effect_log WHERE what = 'reserve'`)).toBe(1)
    expect(await count(pool, `SELECT 1000 - qty n FROM stock WHERE sku = 'sku-1'`)).toBe(5)

    // Naive: the effect commits on its own, the reply afterwards; a crash in between is redelivered.
    let naiveCrashes = 0
    const naive = async (message: SagaMessage): Promise<void> => {
      const { qty } = (message.body as { payload: { qty: number } }).payload
      await pool.query(`UPDATE stock SET qty = qty - $1 WHERE sku = 'sku-1'`, [qty])
      if (naiveCrashes++ < 1) throw new Error('killed after the effect, before the reply')
    }
    const t2 = createMemoryTransport({ redeliveryDelayMs: 5 })
    await t2.subscribe('naive', naive)
    t2.publish('naive', {
      id: 'n1',
      key: 'k',
      type: 'inventory.reserve',
      body: { payload: { qty: 5 } },
      headers: {},
    })
    await t2.idle()
    expect(await count(pool, `SELECT 1000 - qty n FROM stock WHERE sku = 'sku-1'`)).toBe(15) // 5 + 5 twice
    await orch.close()
  })
})
