/**
 * Issue 12, item 7: the lease renewal (a bulk UPDATE of this process's sagas) deadlocked with a
 * chunk of reply transactions holding several instance rows. Here one transaction applies the
 * reply of saga B, then (while the renewal runs) the reply of saga A, the way sync-kit's
 * consumer applies a chunk of replies in one transaction in the order they came.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  command,
  createOrchestrator,
  defineSaga,
  withTx,
  type Logger,
  type MessageHandler,
  type SagaTransport,
  type SagaMessage,
} from '@faultline/saga-kit'
import { type ReplyBody } from '@faultline/saga-kit/testing'
import { count, startTestDb, waitFor, type TestDb } from './support/harness.js'

let db: TestDb
beforeAll(async () => {
  db = await startTestDb()
})
afterAll(async () => db?.stop())

/** Sends nowhere; hands the test the handler the orchestrator subscribed. */
class CapturingTransport implements SagaTransport {
  readonly handlers = new Map<string, MessageHandler>()
  send(): Promise<void> {
    return Promise.resolve()
  }
  subscribe(channel: string, handler: MessageHandler) {
    this.handlers.set(channel, handler)
    return Promise.resolve({ close: () => Promise.resolve() })
  }
}

const twoSteps = defineSaga<Record<string, never>>('lease')
  .step('a', { invoke: command('p', 'p.a'), timeoutMs: 60_000 })
  .step('b', { invoke: command('p', 'p.b'), timeoutMs: 60_000 })

function replyToA(sagaId: string): SagaMessage {
  const body: ReplyBody = {
    sagaId,
    sagaName: 'lease',
    stepId: 'a',
    direction: 'invoke',
    attempt: 1,
    idempotencyKey: `${sagaId}:a`,
    outcome: 'ok',
  }
  return { id: `reply-${sagaId}`, key: sagaId, type: 'p.a.reply', body, headers: {} }
}

describe('lease renewal', () => {
  test('does not deadlock with a transaction that applies the replies of two sagas, B then A', async () => {
    const pool = await db.fresh('lease_renewal')
    const transport = new CapturingTransport()
    const errors: string[] = []
    const logger: Logger = {
      debug: () => {},
      info: () => {},
      warn: () => {},
      error: (fields: object | string, message?: string) =>
        void errors.push(`${message} ${JSON.stringify(fields)}`),
    }
    // A renewal every 100 ms; no poller.
    const orch = createOrchestrator({
      db: pool,
      sagas: [twoSteps],
      transport,
      concurrency: 0,
      leaseMs: 300,
      logger,
    })
    // A first: a renewal that scans the table meets A's row before B's.
    await orch.start('lease', {}, { sagaId: 'A' })
    await orch.start('lease', {}, { sagaId: 'B' })
    const leaseOf = async (sagaId: string) =>
      count(pool, 'SELECT lease_until n FROM saga.instance WHERE saga_id = $1', [sagaId])
    await orch.listen()
    const handle = transport.handlers.get('saga.replies')!

    await withTx(pool, async (tx) => {
      await handle(replyToA('B'), { db: pool, tx }) // holds B's row until this commits
      const leaseA = await leaseOf('A')
      // A renewal has run while B is held: it renewed A and committed, or it holds A and waits
      // for B (the renewal that deadlocks).
      await waitFor(
        async () =>
          (await leaseOf('A')) > leaseA ||
          (await count(
            pool,
            `SELECT count(*) n FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock'
               AND query LIKE '%lease_until%'`,
          )) > 0,
      )
      await handle(replyToA('A'), { db: pool, tx })
    })

    for (const sagaId of ['A', 'B']) {
      const saga = await orch.get(sagaId)
      expect(saga?.steps.map((step) => [step.stepId, step.status])).toEqual([
        ['a', 'done'],
        ['b', 'waiting'],
      ])
    }
    // B, skipped while it was held, is renewed by a later round.
    const leaseB = await leaseOf('B')
    await waitFor(async () => (await leaseOf('B')) > leaseB)
    await orch.close()
    expect(errors).toEqual([])
  })
})
