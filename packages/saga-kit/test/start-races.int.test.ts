/**
 * Issue 12, items 5 and 7: concurrent starts of one saga id must not leave lock rows behind, and
 * `start()` without its options says what it needs.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type pg from 'pg'
import {
  command,
  createMemoryTransport,
  createOrchestrator,
  defineSaga,
  isSagaKitError,
  withTx,
  type Orchestrator,
} from '@faultline/saga-kit'
import { count, startTestDb, waitFor, type TestDb } from './support/harness.js'

let db: TestDb
beforeAll(async () => {
  db = await startTestDb()
})
afterAll(async () => db?.stop())

const lockedSaga = defineSaga<{ orderId: string }>('locked', {
  lock: { key: (decision) => `order:${decision.orderId}`, onConflict: 'fail' },
}).step('hold', { invoke: command('inventory', 'inventory.reserve') })

function orchestrator(pool: pg.Pool): Orchestrator {
  // Commands go nowhere: the sagas stay RUNNING and keep their locks for the test to inspect.
  const transport = createMemoryTransport({ drop: () => true })
  return createOrchestrator({ db: pool, sagas: [lockedSaga], transport, concurrency: 0 })
}

/** Backends of `pool`'s database waiting for a lock (here: for the first start to commit). */
const waitingForLocks = (pool: pg.Pool) =>
  count(
    pool,
    `SELECT count(*) n FROM pg_stat_activity
     WHERE datname = current_database() AND wait_event_type = 'Lock'`,
  )

/**
 * Starts saga `s6` for order 0 in a transaction held open, then starts it again for each of
 * `orders` while the first is uncommitted (each passes the existence check, which cannot see it,
 * and waits on its insert), then commits the first. Returns the later starts' results.
 */
async function raceStarts(pool: pg.Pool, orch: Orchestrator, orders: readonly string[]) {
  let commit!: () => void
  const gate = new Promise<void>((resolve) => (commit = resolve))
  let started!: () => void
  const inserted = new Promise<void>((resolve) => (started = resolve))
  const first = withTx(pool, async (tx) => {
    await orch.start('locked', { orderId: '0' }, { sagaId: 's6', tx })
    started()
    await gate
  })
  await inserted
  const others = orders.map((orderId) => orch.start('locked', { orderId }, { sagaId: 's6' }))
  await waitFor(async () => (await waitingForLocks(pool)) === orders.length)
  commit()
  await first
  return Promise.all(others)
}

const lockRows = async (pool: pg.Pool) =>
  (
    await pool.query<{ lock_key: string; saga_id: string }>(
      'SELECT lock_key, saga_id FROM saga.lock ORDER BY lock_key',
    )
  ).rows

describe('start() races', () => {
  test("concurrent starts of one saga id with different lock keys leave only the winner's lock", async () => {
    const pool = await db.fresh('start_races')
    const orch = orchestrator(pool)
    const orders = ['1', '2', '3', '4', '5', '6', '7']
    const results = await raceStarts(pool, orch, orders)
    expect(results.map((row) => row.created)).toEqual(orders.map(() => false))
    expect(await lockRows(pool)).toEqual([{ lock_key: 'order:0', saga_id: 's6' }])
    // The other entities are free for other sagas.
    for (const orderId of orders) {
      const row = await orch.start('locked', { orderId }, { sagaId: `other-${orderId}` })
      expect(row).toMatchObject({ created: true, state: 'RUNNING' })
    }
  })

  test("concurrent starts of one saga id with the same lock key keep the winner's lock", async () => {
    const pool = await db.fresh('start_same_key')
    const orch = orchestrator(pool)
    const results = await raceStarts(pool, orch, ['0', '0', '0'])
    expect(results.map((row) => row.created)).toEqual([false, false, false])
    expect(await lockRows(pool)).toEqual([{ lock_key: 'order:0', saga_id: 's6' }])
    const refused = await orch
      .start('locked', { orderId: '0' }, { sagaId: 'other' })
      .catch((error: unknown) => error)
    expect(isSagaKitError(refused) && refused.code).toBe('E_SAGA_LOCKED')
  })
})

describe('start() without options', () => {
  test('is refused with E_SAGA_INVALID_OPTION naming the missing sagaId, not a TypeError', async () => {
    const orch = orchestrator(db.pool)
    // As JavaScript calls it: the type system cannot stop a missing or wrong options object.
    const start = (name: string, data: unknown, options: unknown) =>
      orch.start(name, data, options as { sagaId: string })
    for (const options of [undefined, null, 'order-1']) {
      const error = await start('locked', { orderId: '1' }, options).catch(
        (thrown: unknown) => thrown,
      )
      expect(isSagaKitError(error) && error.code).toBe('E_SAGA_INVALID_OPTION')
      expect((error as Error).message).toContain('{ sagaId }')
    }
    expect(await count(db.pool, 'SELECT count(*) n FROM saga.instance')).toBe(0)
  })
})
