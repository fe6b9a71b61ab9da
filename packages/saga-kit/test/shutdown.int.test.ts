import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import pg from 'pg'
import {
  createOrchestrator,
  createPgQueueTransport,
  migrateSagaKit,
  type Orchestrator,
} from '@faultline/saga-kit'
import { count, startTestDb, waitFor, type TestDb } from './support/harness.js'
import { createShopTables, orderSaga, startParticipants } from './support/order-saga.js'

let db: TestDb
beforeAll(async () => {
  db = await startTestDb()
})
afterAll(async () => db?.stop())

/** Intervals far longer than any close may take: a close that waited one out would show. */
const LONG_MS = 10 * 60_000

describe('shutdown', () => {
  test('close() waits out no interval, leaves no client checked out, and the pool ends with no error event', async () => {
    const { url } = await db.pg.createDatabase('shutdown')
    // No 'error' listener: an idle client saga-kit left behind and the server dropped would
    // be an unhandled 'error' event, which crashes a process.
    const pool = new pg.Pool({ connectionString: url, max: 10 })
    const poolErrors: unknown[] = []
    const uncaught: unknown[] = []
    const onUncaught = (error: unknown): void => void uncaught.push(error)
    process.on('uncaughtException', onUncaught)
    try {
      await migrateSagaKit(pool)
      await createShopTables(pool)
      // Only the NOTIFY that send() commits wakes the participants' pollers in time.
      const transport = createPgQueueTransport({ db: pool, pollIntervalMs: LONG_MS })
      const participants = await startParticipants(pool, transport)
      const orchestrator: Orchestrator = createOrchestrator({
        db: pool,
        sagas: [orderSaga()],
        transport,
        pollIntervalMs: 20,
        leaseMs: LONG_MS,
      })
      await orchestrator.listen()
      await Promise.all(
        Array.from({ length: 10 }, (_, index) =>
          orchestrator.start(
            'order',
            { orderId: `order-${index}`, sku: 'sku-1', qty: 1, amount: 5 },
            { sagaId: `shutdown-${index}` },
          ),
        ),
      )
      await waitFor(
        async () =>
          (await count(pool, `SELECT count(*) n FROM saga.instance WHERE state = 'COMPLETED'`)) ===
          10,
      )

      const closing = Promise.all([
        orchestrator.close(),
        ...participants.map((participant) => participant.close()),
      ])
      let timer: NodeJS.Timeout | undefined
      const waited = await Promise.race([
        closing.then(() => 'closed' as const),
        new Promise<'waited'>(
          (resolve) => (timer = setTimeout(() => resolve('waited'), LONG_MS / 2)),
        ),
      ])
      clearTimeout(timer)
      expect(waited).toBe('closed')
      // Everything saga-kit ran has given its client back (the queue's listener is closed).
      expect(pool.totalCount - pool.idleCount).toBe(0)
      pool.on('error', (error) => void poolErrors.push(error))
      await pool.end()
    } finally {
      process.off('uncaughtException', onUncaught)
      if (!pool.ended) {
        pool.on('error', () => {}) // a failed run: the server stops under what is left open
        await pool.end()
      }
    }
    expect(poolErrors).toEqual([])
    expect(uncaught).toEqual([])
  })
})
