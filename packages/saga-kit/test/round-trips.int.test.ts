import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import pg from 'pg'
import {
  createMemoryTransport,
  createOrchestrator,
  defineSaga,
  type SagaEvent,
} from '@faultline/saga-kit'
import { count, startTestDb, waitFor, type TestDb } from './support/harness.js'
import { wireCounter } from './support/trip-counter.js'

let db: TestDb
beforeAll(async () => {
  db = await startTestDb()
})
afterAll(async () => db?.stop())

/** Waits until one session whose query is LIKE `pattern` waits for a lock. */
const lockWaiter = (pool: pg.Pool, pattern: string): Promise<void> =>
  waitFor(
    async () =>
      (await count(
        pool,
        `SELECT count(*) n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1`,
        [pattern],
      )) === 1,
  )

function localSaga(fails: (sagaId: string) => boolean) {
  let saga = defineSaga('local')
  for (const index of [1, 2, 3, 4]) {
    saga = saga.step(`s${index}`, {
      invoke: async ({ tx, sagaId }) => {
        if (index === 4 && fails(sagaId)) throw new Error('s4 fails')
        await tx.client.query('INSERT INTO effect VALUES ($1, $2)', [sagaId, index])
      },
      compensate: async ({ tx, sagaId }) =>
        void (await tx.client.query('DELETE FROM effect WHERE saga = $1 AND step = $2', [
          sagaId,
          index,
        ])),
    })
  }
  return saga
}

describe('round trips of local steps', () => {
  test('each local step is one commit and one round trip of saga-kit’s own besides its own writes; history keeps its order', async () => {
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
    // One pass (transaction) per step. Round trips: the first BEGIN with the insert and savepoint;
    // per step its own insert; between two passes, checkpoint + COMMIT + BEGIN + lock + step-log
    // read + savepoint; the last checkpoint + COMMIT.
    expect({ trips: wire.trips, commits: wire.commits }).toEqual({ trips: 4 + 1 + 4, commits: 4 })
    wire.trips = wire.commits = 0
    await orch.start('local', {}, { sagaId: 'bad' })
    // 7 passes (4 invokes, 3 compensations), 6 business writes, one rollback to the savepoint.
    expect({ trips: wire.trips, commits: wire.commits }).toEqual({
      trips: 7 + 1 + 6 + 1,
      commits: 7,
    })
    wire.on = false
    expect(
      (await orch.history('ok')).map((entry) => `${entry.kind} ${entry.stepId ?? ''}`),
    ).toEqual([
      'started ',
      'step.completed s1',
      'step.completed s2',
      'step.completed s3',
      'step.completed s4',
      'steps.done ',
      'completed ',
    ])
    expect(
      (await orch.history('bad')).map(
        (entry) => `${entry.kind} ${entry.stepId ?? ''} ${entry.direction ?? ''}`,
      ),
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
      await lockWaiter(pool, '%saga.instance%')
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

  test('a chained round trip that fails after its COMMIT still fires the finished pass’s events; one that fails before does not', async () => {
    const pool = await db.fresh('chain_errors')
    await pool.query('CREATE TABLE effect (saga text, step text, PRIMARY KEY (saga, step))')
    // Orchestrator connections give up on a row lock after 300 ms.
    const own = new pg.Pool({ connectionString: pool.options.connectionString, max: 4 })
    own.on('connect', (client) => void client.query(`SET lock_timeout = '300ms'`))
    const locker = await pool.connect()
    const events: string[] = []
    let queueLocker: Promise<unknown> = Promise.resolve()
    let saga = defineSaga('chain')
    for (const step of ['a', 'b', 'c']) {
      saga = saga.step(step, {
        invoke: async ({ tx, sagaId }) => {
          await tx.client.query('INSERT INTO effect VALUES ($1, $2)', [sagaId, step])
          if (sagaId !== 'late' || step !== 'b') return
          // Another session queues for the step log exclusively behind this pass (b runs in the
          // second pass, which read the step log). Our COMMIT grants it that lock, so the next
          // pass, sent in the same round trip, times out reading the step log after the commit.
          queueLocker = locker
            .query('BEGIN')
            .then(() => locker.query('LOCK TABLE saga.step IN ACCESS EXCLUSIVE MODE'))
          await lockWaiter(pool, 'LOCK TABLE saga.step%')
        },
      })
    }
    const orch = createOrchestrator({
      db: own,
      sagas: [saga],
      transport: createMemoryTransport(),
      concurrency: 0,
      onEvent: (event: SagaEvent) =>
        events.push(`${event.sagaId} ${event.type} ${'step' in event ? event.step : ''}`),
    })
    try {
      const late = await orch
        .start('chain', {}, { sagaId: 'late' })
        .catch((error: unknown) => error)
      expect((late as { code?: string }).code).toBe('55P03') // lock_timeout, after the commit
      await queueLocker
      await locker.query('ROLLBACK')
      expect(events).toEqual([
        'late saga:started ',
        'late step:completed a',
        'late step:completed b',
      ])
      await orch.advance('late')
      expect((await orch.get('late'))?.state).toBe('COMPLETED')
      expect(await count(pool, `SELECT count(*) n FROM effect WHERE saga = 'late'`)).toBe(3)

      // A history trigger refuses b's checkpoint: that pass rolls back, its events stay unsent.
      await pool.query(`CREATE FUNCTION refuse_b() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
          IF NEW.saga_id = 'refused' AND NEW.step_id = 'b' THEN RAISE EXCEPTION 'refused'; END IF;
          RETURN NEW; END $$`)
      await pool.query(
        'CREATE TRIGGER refuse_b BEFORE INSERT ON saga.history FOR EACH ROW EXECUTE FUNCTION refuse_b()',
      )
      events.length = 0
      await expect(orch.start('chain', {}, { sagaId: 'refused' })).rejects.toThrow('refused')
      expect(events).toEqual(['refused saga:started ', 'refused step:completed a'])
      expect(await count(pool, `SELECT count(*) n FROM effect WHERE saga = 'refused'`)).toBe(1)
    } finally {
      locker.release()
      await own.end()
    }
  })

  test('an idle poller sends one probe per pollIntervalMs, not one per loop (concurrency 4)', async () => {
    const pool = await db.fresh('idle_probes')
    const wire = wireCounter(pool)
    const orch = createOrchestrator({
      db: pool,
      sagas: [localSaga(() => false)],
      transport: createMemoryTransport(),
      concurrency: 4,
      pollIntervalMs: 100,
      leaseMs: 3_600_000, // no lease renewal inside the window
    })
    await orch.listen()
    await new Promise((resolve) => setTimeout(resolve, 200)) // past listen()'s first ticks
    wire.on = true
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    wire.on = false
    await orch.close()
    const probes = wire.texts.filter((text) => text.startsWith('SELECT 1 FROM saga.instance'))
    expect(probes).toHaveLength(wire.trips) // nothing else runs while idle
    // About 10 in 1 s (fewer when timers run late); one per loop would be about 40.
    expect(probes.length).toBeGreaterThan(0)
    expect(probes.length).toBeLessThanOrEqual(13)
  })
})
