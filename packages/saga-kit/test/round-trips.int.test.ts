import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type pg from 'pg'
import { createMemoryTransport, createOrchestrator, defineSaga } from '@faultline/saga-kit'
import { count, startTestDb, waitFor, type TestDb } from './support/harness.js'

let db: TestDb
beforeAll(async () => {
  db = await startTestDb()
})
afterAll(async () => db?.stop())

/** Counts the queries (round trips) and COMMITs the pool's connections send while `on`. */
function wireCounter(pool: pg.Pool): { on: boolean; trips: number; commits: number } {
  const counter = { on: false, trips: 0, commits: 0 }
  const wired = new WeakSet<pg.PoolClient>()
  pool.on('acquire', (client) => {
    if (wired.has(client)) return
    wired.add(client)
    const query = client.query.bind(client) as (...args: unknown[]) => unknown
    ;(client as { query: unknown }).query = (...args: unknown[]): unknown => {
      const first = args[0]
      const text = typeof first === 'string' ? first : ((first as { text?: string }).text ?? '')
      if (counter.on) {
        counter.trips++
        counter.commits += text.match(/^COMMIT$/gm)?.length ?? 0
      }
      return query(...args)
    }
  })
  return counter
}

function localSaga(fails: (sagaId: string) => boolean) {
  let saga = defineSaga('local')
  for (const n of [1, 2, 3, 4]) {
    saga = saga.step(`s${n}`, {
      invoke: async ({ tx, sagaId }) => {
        if (n === 4 && fails(sagaId)) throw new Error('s4 fails')
        await tx.client.query('INSERT INTO effect VALUES ($1, $2)', [sagaId, n])
      },
      compensate: async ({ tx, sagaId }) =>
        void (await tx.client.query('DELETE FROM effect WHERE saga = $1 AND step = $2', [
          sagaId,
          n,
        ])),
    })
  }
  return saga
}

describe('round trips of local steps', () => {
  test('each local step costs two saga-kit round trips and one commit; history keeps its order', async () => {
    const pool = await db.fresh('round_trips')
    await pool.query('CREATE TABLE effect (saga text, step int, PRIMARY KEY (saga, step))')
    const wire = wireCounter(pool)
    const orch = createOrchestrator({
      db: pool,
      sagas: [localSaga((id) => id === 'bad')],
      transport: createMemoryTransport(),
      concurrency: 0,
    })
    wire.on = true
    await orch.start('local', {}, { sagaId: 'ok' })
    // Per step: BEGIN + lock + step-log read (+ savepoint), the step's own insert, checkpoint + COMMIT.
    expect({ trips: wire.trips, commits: wire.commits }).toEqual({ trips: 4 * 3, commits: 4 })
    wire.trips = wire.commits = 0
    await orch.start('local', {}, { sagaId: 'bad' })
    // 7 passes (4 invokes, 3 compensations), 6 business writes, one rollback to the savepoint.
    expect({ trips: wire.trips, commits: wire.commits }).toEqual({
      trips: 7 * 2 + 6 + 1,
      commits: 7,
    })
    wire.on = false
    expect((await orch.history('ok')).map((h) => `${h.kind} ${h.stepId ?? ''}`)).toEqual([
      'started ',
      'step.completed s1',
      'step.completed s2',
      'step.completed s3',
      'step.completed s4',
      'steps.done ',
      'completed ',
    ])
    expect(
      (await orch.history('bad')).map((h) => `${h.kind} ${h.stepId ?? ''} ${h.direction ?? ''}`),
    ).toEqual([
      'started  ',
      'step.completed s1 invoke',
      'step.completed s2 invoke',
      'step.completed s3 invoke',
      'step.failed s4 invoke',
      'compensation.started  ',
      'step.completed s3 compensate',
      'step.completed s2 compensate',
      'step.completed s1 compensate',
      'compensated  ',
    ])
    expect(await count(pool, `SELECT count(*) n FROM effect WHERE saga = 'ok'`)).toBe(4)
    expect(await count(pool, `SELECT count(*) n FROM effect WHERE saga = 'bad'`)).toBe(0)
    const again = await orch.start('local', {}, { sagaId: 'ok' })
    expect(again).toEqual({ sagaId: 'ok', state: 'COMPLETED', created: false })
  })

  test('the step log is read after the row lock is granted: a step the lock holder committed is not run again', async () => {
    const pool = await db.fresh('lock_then_read')
    await pool.query('CREATE TABLE effect (saga text, step int, PRIMARY KEY (saga, step))')
    let runs = 0
    const saga = defineSaga('one').step('a', {
      invoke: async ({ tx, sagaId }) => {
        runs++
        await tx.client.query('INSERT INTO effect VALUES ($1, 1) ON CONFLICT DO NOTHING', [sagaId])
      },
    })
    const orch = createOrchestrator({
      db: pool,
      sagas: [saga],
      transport: createMemoryTransport(),
      concurrency: 0,
    })
    await pool.query(
      `INSERT INTO saga.instance (saga_id, saga_name, state, data, cursor, next_wake_at, created_at, updated_at)
       VALUES ('x', 'one', 'RUNNING', '{}', 'a', 0, 0, 0)`,
    )
    const holder = await pool.connect()
    try {
      await holder.query('BEGIN')
      await holder.query(`SELECT 1 FROM saga.instance WHERE saga_id = 'x' FOR UPDATE`)
      const advancing = orch.advance('x')
      await waitFor(
        async () =>
          (await count(
            pool,
            `SELECT count(*) n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%saga.instance%'`,
          )) === 1,
      )
      // The holder runs step a itself (as a takeover would) and commits while advance() waits.
      await holder.query(`INSERT INTO effect VALUES ('x', 1)`)
      await holder.query(
        `INSERT INTO saga.step (saga_id, step_id, direction, status, attempt, attempt_limit, result, started_at, finished_at)
         VALUES ('x', 'a', 'invoke', 'done', 1, 1, 'null', 0, 0)`,
      )
      await holder.query('COMMIT')
      await advancing
    } finally {
      holder.release()
    }
    expect(runs).toBe(0)
    expect((await orch.get('x'))?.state).toBe('COMPLETED')
  })
})
