import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  command,
  createMemoryTransport,
  createOrchestrator,
  createReactor,
  defineSaga,
  emitEvent,
  isSagaKitError,
  type SagaMessage,
} from '@faultline/saga-kit'
import { count, FakeClock, startTestDb, waitFor, type TestDb } from './support/harness.js'
import { createShopTables, startParticipants } from './support/order-saga.js'

let db: TestDb
beforeAll(async () => {
  db = await startTestDb()
})
afterAll(async () => db?.stop())

const errorCode = (error: unknown) => (isSagaKitError(error) ? error.code : String(error))

describe('semantic locks', () => {
  const lockedSaga = (onConflict: 'fail' | 'stash') =>
    defineSaga<{ orderId: string }>(`locked-${onConflict}`, {
      lock: { key: (decision) => `order:${decision.orderId}`, onConflict },
    })
      .step('hold', {
        invoke: command('inventory', 'inventory.reserve', () => ({ sku: 'sku-1', qty: 1 })),
        compensate: command('inventory', 'inventory.release'),
      })
      .step('finish', {
        invoke: async ({ tx, sagaId }) =>
          void (await tx.client.query('INSERT INTO lock_runs VALUES ($1, clock_timestamp())', [
            sagaId,
          ])),
      })

  test('a second saga on a locked entity is refused (fail) or stashed and completed after the first (stash)', async () => {
    const pool = await db.fresh('locks')
    await createShopTables(pool)
    await pool.query('CREATE TABLE lock_runs (saga_id text, at timestamptz)')
    const held: SagaMessage[] = []
    let hold = true
    const transport = createMemoryTransport({
      drop: (ch, message) =>
        hold && ch === 'saga.participant.inventory' ? (held.push(message), true) : false,
    })
    await startParticipants(pool, transport)
    const orch = createOrchestrator({
      db: pool,
      sagas: [lockedSaga('fail'), lockedSaga('stash')],
      transport,
      pollIntervalMs: 20,
    })
    await orch.listen()

    await orch.start('locked-fail', { orderId: '1' }, { sagaId: 'f1' })
    const refused = await orch
      .start('locked-fail', { orderId: '1' }, { sagaId: 'f2' })
      .catch((error: unknown) => error)
    expect(errorCode(refused)).toBe('E_SAGA_LOCKED')
    expect((refused as Error).message).toContain('"order:1" is locked by saga "f1"')
    expect(await orch.get('f2')).toBeUndefined()

    await orch.start('locked-stash', { orderId: '2' }, { sagaId: 'a1' })
    const right = await orch.start('locked-stash', { orderId: '2' }, { sagaId: 'a2' })
    expect(right.state).toBe('STASHED')
    await waitFor(() => held.length === 2)
    hold = false
    for (const message of held) transport.publish('saga.participant.inventory', message)
    await waitFor(async () => (await orch.get('a2'))?.state === 'COMPLETED')
    const runs = (
      await pool.query<{ saga_id: string }>('SELECT saga_id FROM lock_runs ORDER BY at')
    ).rows.map((row) => row.saga_id)
    expect(runs.indexOf('a1')).toBeLessThan(runs.indexOf('a2'))
    expect((await orch.history('a2')).map((entry) => entry.kind).slice(0, 2)).toEqual([
      'stashed',
      'unstashed',
    ])
    expect(await count(pool, 'SELECT count(*) n FROM saga.lock')).toBe(0)
    await orch.close()
  })

  test('without a lock the same two sagas run on the entity at the same time (the hazard)', async () => {
    const pool = await db.fresh('nolocks')
    await createShopTables(pool)
    const transport = createMemoryTransport({ drop: () => true })
    const unlocked = defineSaga<{ orderId: string }>('unlocked').step('hold', {
      invoke: command('inventory', 'inventory.reserve'),
    })
    const orch = createOrchestrator({ db: pool, sagas: [unlocked], transport, concurrency: 0 })
    await orch.start('unlocked', { orderId: '1' }, { sagaId: 'u1' })
    await orch.start('unlocked', { orderId: '1' }, { sagaId: 'u2' })
    expect(await count(pool, `SELECT count(*) n FROM saga.instance WHERE state = 'RUNNING'`)).toBe(
      2,
    )
  })
})

describe('ownership and recovery', () => {
  test("a live orchestrator takes over a dead one's saga only after its lease expires", async () => {
    const pool = await db.fresh('leases')
    await createShopTables(pool)
    const transport = createMemoryTransport({ drop: (ch) => ch === 'saga.participant.inventory' })
    const clock = new FakeClock()
    const saga = defineSaga('lease').step('a', {
      invoke: command('inventory', 'inventory.reserve'),
      compensate: command('inventory', 'inventory.release'),
      timeoutMs: 1_000,
    })
    const mk = (ownerId: string) =>
      createOrchestrator({
        db: pool,
        sagas: [saga],
        transport,
        clock,
        ownerId,
        leaseMs: 10_000,
        concurrency: 0,
      })
    const [dead, live] = [mk('dead'), mk('live')]
    await dead.start('lease', {}, { sagaId: 'l1' })
    clock.advance(2_000) // the step deadline passed, but the dead owner's lease has not
    expect(await live.runDue()).toBe(0)
    clock.advance(9_000)
    expect(await live.runDue()).toBe(1)
    const view = await live.get('l1')
    expect(view).toMatchObject({ state: 'COMPENSATING', owner: 'live' })
  })
})

describe('operator actions and compensation failures', () => {
  test('a compensation that keeps failing moves the saga to FAILED; resume, retryStep and skipStep recover it', async () => {
    const pool = await db.fresh('operator')
    let undoWorks = false
    const saga = defineSaga('op')
      .step('a', {
        invoke: () => 'a',
        compensate: () => {
          if (!undoWorks) throw new Error('refund service down')
        },
        compensationRetry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 1 },
      })
      .step('b', {
        invoke: () => {
          throw new Error('boom')
        },
      })
    const clock = new FakeClock()
    const orch = createOrchestrator({
      db: pool,
      sagas: [saga],
      transport: createMemoryTransport(),
      clock,
      concurrency: 0,
    })
    for (const id of ['f1', 'f2', 'f3']) {
      await orch.start('op', {}, { sagaId: id })
      clock.advance(10)
      await orch.runDue()
    }
    const failed = await orch.list({ state: 'FAILED' })
    expect(failed.map((instance) => instance.sagaId).sort()).toEqual(['f1', 'f2', 'f3'])
    expect(failed[0]).toMatchObject({
      failedStep: 'a',
      failedPhase: 'backward',
      error: { message: 'refund service down' },
    })
    expect(orch.metrics().counters['saga:failed']).toBe(3)

    expect(errorCode(await orch.resume('nope').catch((error: unknown) => error))).toBe(
      'E_SAGA_NOT_FOUND',
    )
    expect(errorCode(await orch.skipStep('f1', 'b').catch((error: unknown) => error))).toBe(
      'E_SAGA_UNKNOWN_STEP',
    )
    await orch.resume('f1') // still failing: back to FAILED after a fresh budget
    clock.advance(10)
    await orch.runDue()
    expect((await orch.get('f1'))?.state).toBe('FAILED')
    undoWorks = true
    await orch.resume('f1')
    await orch.retryStep('f2', 'a')
    await orch.skipStep('f3', 'a')
    for (const id of ['f1', 'f2', 'f3']) expect((await orch.get(id))?.state).toBe('COMPENSATED')
    expect(
      (await orch.get('f3'))?.steps.find((step) => step.direction === 'compensate')?.status,
    ).toBe('skipped')
    expect(errorCode(await orch.resume('f1').catch((error: unknown) => error))).toBe(
      'E_SAGA_BAD_STATE',
    )
  })

  test('parallel steps run together, and all completed members are compensated when one fails', async () => {
    const pool = await db.fresh('parallel')
    const log: string[] = []
    const saga = defineSaga('par')
      .step('first', { invoke: () => log.push('first'), compensate: () => log.push('undo-first') })
      .parallel([
        { id: 'p1', invoke: () => log.push('p1'), compensate: () => log.push('undo-p1') },
        { id: 'p2', invoke: () => log.push('p2'), compensate: () => log.push('undo-p2') },
        {
          id: 'p3',
          invoke: () => {
            throw new Error('p3 failed')
          },
        },
      ])
    const orch = createOrchestrator({
      db: pool,
      sagas: [saga],
      transport: createMemoryTransport(),
      concurrency: 0,
    })
    await orch.start('par', {}, { sagaId: 'pp' })
    expect((await orch.get('pp'))?.state).toBe('COMPENSATED')
    expect(log).toEqual(['first', 'p1', 'p2', 'undo-p2', 'undo-p1', 'undo-first'])
  })
})

describe('evolving a definition while sagas are in flight', () => {
  test('removing a step an unfinished saga needs is refused; adding steps or removing untouched ones is accepted', async () => {
    const pool = await db.fresh('evolve')
    const transport = createMemoryTransport({ drop: () => true })
    const v1 = defineSaga('evo')
      .step('a', { invoke: () => 1, compensate: () => 0 })
      .step('b', { invoke: command('x', 'x.do') })
      .step('c', { invoke: () => 3 })
    const o1 = createOrchestrator({ db: pool, sagas: [v1], transport, concurrency: 0 })
    await o1.start('evo', {}, { sagaId: 'e1' })
    const withoutA = defineSaga('evo')
      .step('b', { invoke: command('x', 'x.do') })
      .step('c', { invoke: () => 3 })
    const refused = await createOrchestrator({ db: pool, sagas: [withoutA], transport })
      .listen()
      .catch((error: unknown) => error)
    expect(errorCode(refused)).toBe('E_SAGA_INCOMPATIBLE_DEFINITION')
    expect((refused as Error).message).toContain('evo: step "a" (e.g. saga e1)')
    const v2 = defineSaga('evo')
      .step('a', { invoke: () => 1, compensate: () => 0 })
      .step('a2', { invoke: () => 2 })
      .step('b', { invoke: command('x', 'x.do') })
    await expect(
      createOrchestrator({ db: pool, sagas: [v2], transport }).checkDefinitions(),
    ).resolves.toBeUndefined()
  })
})

describe('choreography', () => {
  test('shipping reacts to order.approved exactly once although every event arrives twice; a reaction without the inbox ships twice', async () => {
    const pool = await db.fresh('choreo')
    await pool.query('CREATE TABLE shipment (order_id text, created_by text)')
    const transport = createMemoryTransport({ duplicateRate: 1 })
    const saga = defineSaga<{ orderId: string }>('approve').step('approve', {
      kind: 'pivot',
      invoke: async ({ tx, data }) =>
        void (await emitEvent(tx, transport, 'events.order', {
          type: 'order.approved',
          key: data.orderId,
          payload: { orderId: data.orderId },
        })),
    })
    const orch = createOrchestrator({ db: pool, sagas: [saga], transport, concurrency: 0 })
    const shipping = createReactor({
      db: pool,
      transport,
      name: 'shipping',
      channel: 'events.order',
      on: {
        'order.approved': async ({ tx, event }) =>
          void (await tx.client.query(`INSERT INTO shipment VALUES ($1, 'reactor')`, [
            (event.body as { orderId: string }).orderId,
          ])),
      },
    })
    await shipping.listen()
    for (let index = 0; index < 5; index++)
      await orch.start('approve', { orderId: `o${index}` }, { sagaId: `ch${index}` })
    await transport.idle()
    await waitFor(
      async () =>
        (await count(pool, `SELECT count(*) n FROM shipment WHERE created_by='reactor'`)) === 5,
    )
    expect(
      await count(
        pool,
        `SELECT count(DISTINCT order_id) n FROM shipment WHERE created_by='reactor'`,
      ),
    ).toBe(5)
    // A third delivery of every event still changes nothing.
    const events = transport.sent
      .filter((value) => value.channel === 'events.order')
      .map((value) => value.message)
    expect(events).toHaveLength(5)
    for (const message of events) await shipping.handle(message)
    expect(await count(pool, `SELECT count(*) n FROM shipment WHERE created_by='reactor'`)).toBe(5)
    // Naive: the same two deliveries per event, applied without the inbox.
    for (const message of [...events, ...events]) {
      await pool.query(`INSERT INTO shipment VALUES ($1, 'naive')`, [
        (message.body as { orderId: string }).orderId,
      ])
    }
    expect(await count(pool, `SELECT count(*) n FROM shipment WHERE created_by='naive'`)).toBe(10)
  })
})
