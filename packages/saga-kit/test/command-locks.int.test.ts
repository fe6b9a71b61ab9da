import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type pg from 'pg'
import {
  assertUnlocked,
  command,
  createMemoryTransport,
  createOrchestrator,
  createParticipant,
  defineParticipant,
  defineSaga,
  entityLockHolder,
  isSagaKitError,
  withTx,
  type CommandHandler,
  type SagaMessage,
} from '@faultline/saga-kit'
import { type EntityLockCheck } from '@faultline/saga-kit/testing'
import { withFaultHook } from '@faultline/saga-kit/testing'
import { count, startTestDb, waitFor, type TestDb } from './support/harness.js'

let db: TestDb
beforeAll(async () => {
  db = await startTestDb()
})
afterAll(async () => db?.stop())

interface Pay {
  orderId: string
}
const orderKey = (payload: unknown) => `order:${(payload as Pay).orderId}`
const charge: CommandHandler = async ({ tx, payload, sagaId }) =>
  void (await tx.client.query('INSERT INTO charge (saga_id, order_id) VALUES ($1, $2)', [
    sagaId,
    (payload as Pay).orderId,
  ]))

/** Payments: two commands on the order entity, one failing fast, one stashing. */
const payments = defineParticipant('payments', {
  'payments.charge': { lock: orderKey, onLocked: 'fail', handle: charge },
  'payments.charge-later': { lock: orderKey, onLocked: 'stash', handle: charge },
  'payments.refund': async ({ tx, sagaId }) =>
    void (await tx.client.query('DELETE FROM charge WHERE saga_id = $1', [sagaId])),
})
/** A participant whose commands the test holds back, to keep a saga (and its lock) running. */
const gate = defineParticipant('gate', { 'gate.pass': async () => {} })

/** Locks the order, charges it itself (its own command passes), then waits at the gate. */
const holdSaga = defineSaga<Pay>('hold', {
  lock: { key: (decision) => `order:${decision.orderId}`, onConflict: 'fail' },
})
  .step('own-charge', {
    invoke: command('payments', 'payments.charge', ({ data }) => data),
    compensate: command('payments', 'payments.refund'),
  })
  .step('wait', { invoke: command('gate', 'gate.pass') })

/** No saga lock of its own: charges an order, failing fast or stashing when it is locked. */
const paySaga = (name: string, type: string) =>
  defineSaga<Pay>(name)
    .step('note', {
      invoke: async ({ tx, sagaId }) =>
        void (await tx.client.query(`INSERT INTO note VALUES ($1)`, [sagaId])),
      compensate: async ({ tx, sagaId }) =>
        void (await tx.client.query(`DELETE FROM note WHERE saga_id = $1`, [sagaId])),
    })
    .step('charge', {
      invoke: command('payments', type, ({ data }) => data),
      compensate: command('payments', 'payments.refund'),
      timeoutMs: 60_000,
    })

async function setup(name: string, onEntityLock?: (check: EntityLockCheck) => Promise<void>) {
  const pool = await db.fresh(name)
  await pool.query('CREATE TABLE charge (saga_id text, order_id text)')
  await pool.query('CREATE TABLE note (saga_id text)')
  const held: SagaMessage[] = []
  const passed = new Set<string>()
  const sagaOf = (message: SagaMessage) => (message.body as { sagaId: string }).sagaId
  const transport = createMemoryTransport({
    drop: (ch, message) =>
      ch === 'saga.participant.gate' && !passed.has(sagaOf(message))
        ? (held.push(message), true)
        : false,
  })
  const participant = createParticipant(
    withFaultHook({ db: pool, transport, definition: payments }, async (point, info) => {
      if (point === 'participant:entity-lock' && info.entityLock !== undefined)
        await onEntityLock?.(info.entityLock)
    }),
  )
  await participant.listen()
  await createParticipant({ db: pool, transport, definition: gate }).listen()
  const orch = createOrchestrator({
    db: pool,
    sagas: [
      holdSaga,
      paySaga('pay', 'payments.charge'),
      paySaga('pay-later', 'payments.charge-later'),
    ],
    transport,
    pollIntervalMs: 20,
  })
  await orch.listen()
  const state = async (id: string) => (await orch.get(id))?.state
  /** Lets the hold saga with this id pass its gate. */
  const release = (sagaId: string) => {
    passed.add(sagaId)
    for (const message of held.filter((heldMessage) => sagaOf(heldMessage) === sagaId))
      transport.publish('saga.participant.gate', message)
  }
  const holding = async (sagaId: string) => {
    await orch.start('hold', { orderId: sagaId.slice(1) }, { sagaId })
    await waitFor(() => held.some((message) => sagaOf(message) === sagaId))
  }
  const charges = (sagaId: string) =>
    count(pool, 'SELECT count(*) n FROM charge WHERE saga_id = $1', [sagaId])
  return { pool, transport, participant, orch, state, release, holding, charges }
}

const codeOf = (error: unknown) => (isSagaKitError(error) ? error.code : String(error))
const waitingLocks = (pool: pg.Pool) =>
  count(pool, `SELECT count(*) n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`)

/** A lock-check hook that holds the first command with this key and verdict until `resume()`. */
function pauseAt(lockKey: string, verdict: EntityLockCheck['verdict']) {
  let resume: () => void = () => {}
  const resumed = new Promise<void>((resolve) => (resume = resolve))
  const pause = {
    reached: false,
    resume: () => resume(),
    hook: async (check: EntityLockCheck) => {
      if (check.lockKey !== lockKey || check.verdict !== verdict || pause.reached) return
      pause.reached = true
      await resumed
    },
  }
  return pause
}

describe('semantic locks on commands', () => {
  test('a command on an entity another saga holds is refused (the caller compensates); the holder’s own commands pass; plain code can check too', async () => {
    const { pool, orch, state, release, holding, charges } = await setup('cmd_lock_fail')
    await holding('h1') // locks order:1
    expect(await charges('h1')).toBe(1) // its own charge on order:1 passed

    await orch.start('pay', { orderId: '1' }, { sagaId: 'p1' })
    await waitFor(async () => (await state('p1')) === 'COMPENSATED')
    const p1 = await orch.get('p1')
    expect(p1?.error).toMatchObject({ code: 'E_SAGA_ENTITY_LOCKED', retryable: false })
    expect(p1?.error?.message).toContain('"order:1" is locked by saga "h1"')
    expect(await charges('p1')).toBe(0)
    expect(await count(pool, `SELECT count(*) n FROM note WHERE saga_id = 'p1'`)).toBe(0)

    // Plain code in its own transaction.
    const refused = await withTx(pool, (tx) => assertUnlocked(tx, 'order:1')).catch(
      (error: unknown) => error,
    )
    expect(codeOf(refused)).toBe('E_SAGA_ENTITY_LOCKED')
    await withTx(pool, (tx) => assertUnlocked(tx, 'order:1', { sagaId: 'h1' }))
    expect(await withTx(pool, (tx) => entityLockHolder(tx, 'order:1'))).toBe('h1')

    // Once the holder ends, the same command goes through.
    release('h1')
    await waitFor(async () => (await state('h1')) === 'COMPLETED')
    await withTx(pool, (tx) => assertUnlocked(tx, 'order:1'))
    await orch.start('pay', { orderId: '1' }, { sagaId: 'p2' })
    await waitFor(async () => (await state('p2')) === 'COMPLETED')
    expect(await charges('p2')).toBe(1)
    await orch.close()
  })

  test('a stashed command waits without a reply and is replayed exactly once when the holder ends', async () => {
    const { pool, transport, participant, orch, state, release, holding, charges } =
      await setup('cmd_lock_stash')
    await holding('h2')
    await orch.start('pay-later', { orderId: '2' }, { sagaId: 'q1' })
    await waitFor(async () => (await count(pool, 'SELECT count(*) n FROM saga.stash')) === 1)
    const sent = transport.sent.find((step) => step.message.type === 'payments.charge-later')!
    await participant.handle(sent.message) // a duplicate delivery is stashed once
    await transport.idle()
    expect(await count(pool, 'SELECT count(*) n FROM saga.stash')).toBe(1)
    expect(await state('q1')).toBe('RUNNING')
    expect(await charges('q1')).toBe(0)
    const replies = () =>
      transport.sent.filter((step) => step.message.type === 'payments.charge-later.reply').length
    expect(replies()).toBe(0)

    release('h2')
    await waitFor(async () => (await state('q1')) === 'COMPLETED')
    await transport.idle()
    expect(await charges('q1')).toBe(1)
    expect(replies()).toBe(1)
    expect(await count(pool, 'SELECT count(*) n FROM saga.stash')).toBe(0)
    expect(
      (await orch.history('h2')).filter((entry) => entry.kind === 'stash.replayed'),
    ).toHaveLength(1)
    // The replayed command delivered once more changes nothing.
    const replayed = transport.sent.filter((step) => step.message.type === 'payments.charge-later')
    expect(replayed).toHaveLength(2) // the original send and the replay
    await participant.handle(replayed[1]!.message)
    expect(await charges('q1')).toBe(1)
    expect((await orch.get('q1'))?.steps.find((step) => step.stepId === 'charge')?.attempt).toBe(1)
    await orch.close()
  })

  test('a release waits for a command being stashed, so it is replayed, not left behind', async () => {
    // The command saw the lock and is about to stash, inside its transaction.
    const pause = pauseAt('order:3', 'stash')
    const { pool, orch, state, release, holding, charges } = await setup(
      'cmd_lock_race',
      pause.hook,
    )
    try {
      await holding('h3')
      await orch.start('pay-later', { orderId: '3' }, { sagaId: 'q3' })
      await waitFor(() => pause.reached)
      release('h3')
      // The holder's release must wait for the stashing command's transaction.
      await waitFor(
        async () => (await waitingLocks(pool)) > 0 || (await state('h3')) === 'COMPLETED',
      )
      expect(await state('h3')).toBe('RUNNING')
    } finally {
      pause.resume()
    }
    await waitFor(async () => (await state('q3')) === 'COMPLETED')
    expect(await charges('q3')).toBe(1)
    expect(await count(pool, 'SELECT count(*) n FROM saga.stash')).toBe(0)
    await orch.close()
  })

  test('a saga cannot lock an entity while a command that found it free is still uncommitted', async () => {
    // The command passed the check and is about to act, inside its transaction.
    const pause = pauseAt('order:4', 'pass')
    const { pool, orch, state, release, charges } = await setup('cmd_lock_acquire', pause.hook)
    let locked = false
    let starting: Promise<unknown> = Promise.resolve()
    try {
      await orch.start('pay', { orderId: '4' }, { sagaId: 'p4' })
      await waitFor(() => pause.reached)
      starting = orch.start('hold', { orderId: '4' }, { sagaId: 'h4' }).then(() => (locked = true))
      await waitFor(async () => (await waitingLocks(pool)) > 0 || locked)
      expect(locked).toBe(false)
    } finally {
      pause.resume()
    }
    await starting
    await waitFor(async () => (await state('p4')) === 'COMPLETED')
    expect(await charges('p4')).toBe(1)
    release('h4')
    await waitFor(async () => (await state('h4')) === 'COMPLETED')
    await orch.close()
  })
})
