import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  createMemoryTransport,
  createOrchestrator,
  defineSaga,
  isSagaKitError,
  type SagaEvent,
} from '@faultline/saga-kit'
import { count, FakeClock, startTestDb, waitFor, type TestDb } from './support/harness.js'

let db: TestDb
beforeAll(async () => {
  db = await startTestDb()
})
afterAll(async () => db?.stop())

/** A promise the test settles by hand. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => {}
  const promise = new Promise<void>((resolve) => (open = resolve))
  return { promise, open }
}

const retry = { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 1, jitter: 0 }
const effect = `INSERT INTO effect (saga_id, what) VALUES ($1, $2)`

describe('local step timeoutMs', () => {
  test('an attempt that outlives its timeoutMs fails once, is rolled back and retried; its late write and result are ignored', async () => {
    const pool = await db.fresh('local_timeout')
    await pool.query('CREATE TABLE effect (saga_id text, what text)')
    const hang = gate()
    const late = gate()
    let lateError: unknown
    const saga = defineSaga('slow')
      .step('a', {
        invoke: async ({ tx, sagaId }) => void (await tx.client.query(effect, [sagaId, 'a'])),
        compensate: async ({ tx, sagaId }) =>
          void (await tx.client.query(effect, [sagaId, 'undo-a'])),
      })
      .step('b', {
        timeoutMs: 100,
        retry,
        invoke: async ({ tx, sagaId, attempt }) => {
          if (attempt > 1 || sagaId !== 's1') {
            if (sagaId === 's1') await tx.client.query(effect, [sagaId, 'b-ok'])
            else await new Promise(() => {}) // never settles
            return 'second'
          }
          await tx.client.query(effect, [sagaId, 'b-early'])
          await hang.promise
          try {
            await tx.client.query(effect, [sagaId, 'b-late'])
          } catch (error) {
            lateError = error
          } finally {
            late.open()
          }
          return 'late'
        },
        compensate: async ({ tx, sagaId }) =>
          void (await tx.client.query(effect, [sagaId, 'undo-b'])),
      })
    const clock = new FakeClock()
    const events: SagaEvent[] = []
    const orch = createOrchestrator({
      db: pool,
      sagas: [saga],
      transport: createMemoryTransport(),
      clock,
      concurrency: 0,
      onEvent: (event) => events.push(event),
    })
    const timeouts = (sagaId: string) =>
      events.filter((event) => event.type === 'step:timeout' && event.sagaId === sagaId)

    await orch.start('slow', {}, { sagaId: 's1' })
    const first = await orch.get('s1')
    expect(first?.state).toBe('RUNNING')
    expect(first?.steps.find((step) => step.stepId === 'b')).toMatchObject({
      status: 'retry_wait',
      attempt: 1,
      error: { code: 'E_SAGA_STEP_TIMEOUT' },
    })
    expect(timeouts('s1')).toHaveLength(1)
    // The write the attempt made before hanging was rolled back with its savepoint.
    expect(await count(pool, `SELECT count(*) n FROM effect WHERE what = 'b-early'`)).toBe(0)

    clock.advance(10)
    await orch.runDue()
    expect((await orch.get('s1'))?.state).toBe('COMPLETED')

    // The first attempt wakes up long after: its write is refused and its result goes nowhere.
    hang.open()
    await late.promise
    expect(await count(pool, `SELECT count(*) n FROM effect WHERE what = 'b-late'`)).toBe(0)
    expect(isSagaKitError(lateError) && lateError.code).toBe('E_SAGA_STEP_TIMEOUT')
    const done = await orch.get('s1')
    expect(done?.steps.find((step) => step.stepId === 'b')).toMatchObject({
      status: 'done',
      result: 'second',
    })
    expect(await count(pool, `SELECT count(*) n FROM effect WHERE saga_id = 's1'`)).toBe(2) // a, b-ok
    expect(timeouts('s1')).toHaveLength(1)
    expect(
      (await orch.history('s1'))
        .filter((entry) => entry.kind === 'step.timeout')
        .map((entry) => entry.attempt),
    ).toEqual([1])

    // Every attempt times out: the saga compensates, the timed-out step included ("maybe done").
    await orch.start('slow', {}, { sagaId: 's2' })
    clock.advance(10)
    await orch.runDue()
    const s2 = await orch.get('s2')
    expect(s2?.state).toBe('COMPENSATED')
    expect(timeouts('s2').map((event) => (event as { attempt: number }).attempt)).toEqual([1, 2])
    expect(
      (await pool.query<{ what: string }>(`SELECT what FROM effect WHERE saga_id = 's2'`)).rows.map(
        (row) => row.what,
      ),
    ).toEqual(['a', 'undo-b', 'undo-a'])
  })

  test('a step blocked inside a statement past its timeoutMs is cancelled and rolled back', async () => {
    const pool = await db.fresh('local_timeout_blocked')
    await pool.query('CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL)')
    await pool.query('INSERT INTO counter VALUES (1, 0)')
    const saga = defineSaga('blocked').step('bump', {
      timeoutMs: 100,
      invoke: async ({ tx }) =>
        void (await tx.client.query('UPDATE counter SET n = n + 1 WHERE id = 1')),
    })
    const events: SagaEvent[] = []
    const orch = createOrchestrator({
      db: pool,
      sagas: [saga],
      transport: createMemoryTransport(),
      concurrency: 0,
      onEvent: (event) => events.push(event),
    })
    // Another transaction holds the row, so the step's UPDATE waits on its lock.
    const holder = await pool.connect()
    await holder.query('BEGIN')
    await holder.query('SELECT * FROM counter WHERE id = 1 FOR UPDATE')
    let settled = false
    const started = orch.start('blocked', {}, { sagaId: 'k1' }).finally(() => (settled = true))
    try {
      await waitFor(() => settled, 5_000)
    } finally {
      await holder.query('COMMIT')
      holder.release()
    }
    await started
    expect((await orch.get('k1'))?.state).toBe('COMPENSATED')
    expect(events.filter((event) => event.type === 'step:timeout')).toHaveLength(1)
    expect(await count(pool, 'SELECT n FROM counter WHERE id = 1')).toBe(0)
  })
})
