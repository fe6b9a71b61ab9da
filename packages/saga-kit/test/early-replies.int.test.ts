/**
 * Issue 12, item 6: a reply can arrive before its saga's start is visible to other sessions (a
 * relay publishes a transaction's commands once its commit record is in the WAL; the committing
 * session may still be waiting, e.g. for a synchronous standby). Here the start's transaction is
 * held open, which is that window made as long as the test needs, and the reply is delivered
 * first. `sync-kit-transport.int.test.ts` opens the same window with a real synchronous-commit
 * wait, relay A and Kafka.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type pg from 'pg'
import {
  command,
  createMemoryTransport,
  createOrchestrator,
  defineSaga,
  withTx,
  type Orchestrator,
  type SagaMessage,
} from '@faultline/saga-kit'
import { type ReplyBody } from '@faultline/saga-kit/testing'
import { count, startTestDb, waitFor, type TestDb } from './support/harness.js'

let db: TestDb
beforeAll(async () => {
  db = await startTestDb()
})
afterAll(async () => db?.stop())

const earlySaga = defineSaga<{ orderId: string }>('early')
  .step('reserve', {
    invoke: command('inventory', 'inventory.reserve'),
    compensate: command('inventory', 'inventory.release'),
    timeoutMs: 60_000,
  })
  .step('finish', { invoke: async () => {} }) // local: the reply sets its savepoint

/** The inventory participant's "ok" to attempt 1 of `sagaId`'s reserve step. */
function reserveReply(sagaId: string): SagaMessage {
  const body: ReplyBody = {
    sagaId,
    sagaName: 'early',
    stepId: 'reserve',
    direction: 'invoke',
    attempt: 1,
    idempotencyKey: `${sagaId}:reserve`,
    outcome: 'ok',
    result: { reserved: 1 },
  }
  return { id: `reply-${sagaId}`, key: sagaId, type: 'inventory.reserve.reply', body, headers: {} }
}

async function setUp(name: string, startCommitWaitMs?: number) {
  const pool = await db.fresh(name)
  const transport = createMemoryTransport()
  const orch = createOrchestrator({
    db: pool,
    sagas: [earlySaga],
    transport,
    concurrency: 0,
    startCommitWaitMs,
  })
  await orch.listen()
  return { pool, transport, orch }
}

/** Starts `sagaId` in a transaction that stays open until `commit()` is called. */
async function startHeldOpen(pool: pg.Pool, orch: Orchestrator, sagaId: string) {
  let commit!: () => void
  const gate = new Promise<void>((resolve) => (commit = resolve))
  let started!: () => void
  const inserted = new Promise<void>((resolve) => (started = resolve))
  const done = withTx(pool, async (tx) => {
    await orch.start('early', { orderId: '1' }, { sagaId, tx })
    started()
    await gate
  })
  await inserted
  return {
    commit: async () => {
      commit()
      await done
    },
  }
}

const deadLetters = async (pool: pg.Pool) =>
  (await pool.query<{ reason: string }>('SELECT reason FROM saga.dead_letter ORDER BY id')).rows

/** True once the reply handler is blocked on a lock (the uncommitted start) or gave the reply up. */
async function handlerDecided(pool: pg.Pool): Promise<boolean> {
  const waiting = await count(
    pool,
    `SELECT count(*) n FROM pg_stat_activity
     WHERE datname = current_database() AND wait_event_type = 'Lock'`,
  )
  return waiting > 0 || (await deadLetters(pool)).length > 0
}

describe('a reply that arrives before its saga is visible', () => {
  test('waits for the start to commit and is applied; the saga completes', async () => {
    const { pool, transport, orch } = await setUp('early_reply')
    const start = await startHeldOpen(pool, orch, 'e1')
    transport.publish('saga.replies', reserveReply('e1'))
    await waitFor(() => handlerDecided(pool))
    await start.commit()
    await transport.idle()

    expect(await deadLetters(pool)).toEqual([])
    expect((await orch.get('e1'))?.state).toBe('COMPLETED')
    const kinds = (await orch.history('e1')).map((entry) => entry.kind)
    expect(kinds.filter((text) => text === 'step.completed')).toHaveLength(2)
    await orch.close()
  })

  test('is dead-lettered, saying why, when the start has not committed within startCommitWaitMs', async () => {
    const { pool, transport, orch } = await setUp('early_reply_bound', 300)
    const start = await startHeldOpen(pool, orch, 'e2')
    transport.publish('saga.replies', reserveReply('e2'))
    await transport.idle() // the handler gives up on its own, while the start is still open
    expect(await deadLetters(pool)).toEqual([
      {
        reason:
          'saga "e2" is not visible: a start of it has not committed within 300 ms (startCommitWaitMs)',
      },
    ])
    await start.commit()
    expect((await orch.get('e2'))?.state).toBe('RUNNING') // its step times out and retries
    await orch.close()
  })
})

describe('a reply for a saga nobody is starting', () => {
  test('is dead-lettered at once as unknown, and leaves no row behind', async () => {
    const { pool, transport, orch } = await setUp('unknown_reply', 60_000)
    const began = Date.now()
    transport.publish('saga.replies', reserveReply('nope'))
    await transport.idle()
    expect(Date.now() - began).toBeLessThan(30_000) // nothing to wait for: not the 60 s bound
    expect(await deadLetters(pool)).toEqual([{ reason: 'unknown saga "nope"' }])
    expect(await count(pool, 'SELECT count(*) n FROM saga.instance')).toBe(0)
    // A start of that id afterwards is not blocked by anything the probe left.
    const started = await orch.start('early', { orderId: '1' }, { sagaId: 'nope' })
    expect(started.created).toBe(true)
    await orch.close()
  })
})

describe('startCommitWaitMs', () => {
  test('must be a positive whole number of milliseconds (E_SAGA_INVALID_OPTION)', () => {
    for (const startCommitWaitMs of [0, -1, Number.NaN, Infinity]) {
      const create = () =>
        createOrchestrator({
          db: db.pool,
          sagas: [earlySaga],
          transport: createMemoryTransport(),
          startCommitWaitMs,
        })
      expect(create).toThrow(/option startCommitWaitMs must be an integer from 1 to/)
    }
  })
})
