import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type pg from 'pg'
import {
  createMemoryTransport,
  createOrchestrator,
  defineSaga,
  withTx,
  type LocalAction,
} from '@faultline/saga-kit'
import { count, FakeClock, startTestDb, type TestDb } from './support/harness.js'

let db: TestDb
beforeAll(async () => {
  db = await startTestDb()
})
afterAll(async () => db?.stop())

const STEPS = ['a', 'b', 'c']
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Each step writes one business row through the saga transaction, and lingers in it a little. */
const writeEffect =
  (stepId: string): LocalAction<unknown> =>
  async ({ tx, sagaId }) => {
    await tx.client.query('INSERT INTO effect (saga_id, step) VALUES ($1, $2)', [sagaId, stepId])
    await sleep(2) // widen the window in which a second recoverer could pick the same saga
  }

const recoverSaga = STEPS.reduce(
  (def, id) => def.step(id, { invoke: writeEffect(id) }),
  defineSaga('recover'),
)

/** Sagas a dead process inserted and never ran: due, owned by `owner`, lease until `leaseUntil`. */
async function stalled(
  pool: pg.Pool,
  ids: string[],
  owner: string,
  at: number,
  leaseUntil: number,
): Promise<void> {
  await withTx(pool, async (tx) => {
    for (const id of ids) {
      await tx.client.query(
        `INSERT INTO saga.instance (saga_id, saga_name, state, data, cursor, next_wake_at, owner, lease_until, created_at, updated_at)
         VALUES ($1, 'recover', 'RUNNING', '{}', 'a', $2, $3, $4, $2, $2)`,
        [id, at, owner, leaseUntil],
      )
    }
  })
}

/** (saga, step) pairs whose step effect is not exactly one row. */
const notOnce = (pool: pg.Pool, prefix: string) =>
  count(
    pool,
    `SELECT count(*) n FROM (SELECT saga_id, step FROM effect WHERE saga_id LIKE $1 || '%' GROUP BY 1, 2 HAVING count(*) <> 1) d`,
    [prefix],
  )

describe('duplicate recoverers', () => {
  test('three orchestrators recovering the same stalled sagas at once run each step exactly once; naive recoverers without the lease and FOR UPDATE run them twice', async () => {
    const pool = await db.fresh('recoverers')
    await pool.query('CREATE TABLE effect (id bigserial PRIMARY KEY, saga_id text, step text)')
    const clock = new FakeClock()
    const value = 30
    const ids = Array.from({ length: value }, (_, index) => `r${index}`)
    await stalled(pool, ids, 'dead', clock.now() - 1, clock.now() - 1) // lease expired
    await stalled(pool, ['alive-1'], 'alive', clock.now() - 1, clock.now() + 60_000) // lease held

    const worked = new Map<string, number>()
    const recoverers = ['x', 'y', 'z'].map((ownerId) =>
      createOrchestrator({
        db: pool,
        sagas: [recoverSaga],
        transport: createMemoryTransport(),
        clock,
        ownerId,
        concurrency: 0,
        onEvent: (event) =>
          void (
            event.type === 'step:completed' && worked.set(ownerId, (worked.get(ownerId) ?? 0) + 1)
          ),
      }),
    )
    // Every recoverer runs two claim loops at once, all six racing over the same due sagas.
    await Promise.all(
      recoverers.flatMap((orchestrator) => [orchestrator.runDue(), orchestrator.runDue()]),
    )
    await Promise.all(recoverers.map((orchestrator) => orchestrator.runDue()))

    expect(
      await count(pool, `SELECT count(*) n FROM saga.instance WHERE state = 'COMPLETED'`),
    ).toBe(value)
    expect(await count(pool, `SELECT count(*) n FROM effect WHERE saga_id LIKE 'r%'`)).toBe(
      value * STEPS.length,
    )
    expect(await notOnce(pool, 'r')).toBe(0)
    // The race was real: more than one recoverer did work.
    expect(worked.size).toBeGreaterThan(1)
    // A saga whose owner still holds its lease was left alone.
    expect(await count(pool, `SELECT count(*) n FROM effect WHERE saga_id = 'alive-1'`)).toBe(0)
    expect((await recoverers[0]!.get('alive-1'))?.owner).toBe('alive')

    // Naive: read the due sagas without FOR UPDATE SKIP LOCKED and without the lease check, then
    // run each one's current step and move its cursor, as the claim loop would.
    const naiveIds = Array.from({ length: 10 }, (_, index) => `n${index}`)
    await stalled(pool, naiveIds, 'dead', clock.now() - 1, clock.now() - 1)
    let arrived = 0
    let bothRead: () => void = () => {}
    const barrier = new Promise<void>((resolve) => (bothRead = resolve))
    const naive = async (): Promise<void> => {
      const { rows } = await pool.query<{ saga_id: string; cursor: string }>(
        `SELECT saga_id, cursor FROM saga.instance WHERE saga_id LIKE 'n%' AND state = 'RUNNING' AND next_wake_at <= $1`,
        [clock.now()],
      )
      if (++arrived === 2) bothRead()
      await barrier // both recoverers have read the same due sagas
      for (const { saga_id: sagaId, cursor } of rows) {
        await withTx(pool, async (tx) => {
          const step = recoverSaga.findStep(cursor)!
          const next = STEPS[STEPS.indexOf(cursor) + 1] ?? null
          await (step.invoke as LocalAction<unknown>)({
            ...{ sagaId, sagaName: 'recover', stepId: cursor, direction: 'invoke' as const },
            ...{ attempt: 1, idempotencyKey: `${sagaId}:${cursor}`, data: {}, results: {} },
            tx,
          })
          await tx.client.query('UPDATE saga.instance SET cursor = $2 WHERE saga_id = $1', [
            sagaId,
            next,
          ])
        })
      }
    }
    await Promise.all([naive(), naive()])
    expect(await count(pool, `SELECT count(*) n FROM effect WHERE saga_id LIKE 'n%'`)).toBe(
      2 * naiveIds.length,
    )
    expect(await notOnce(pool, 'n')).toBe(naiveIds.length) // every step 'a' ran twice
  })
})
