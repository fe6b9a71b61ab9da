import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createPostgresConsumerStore, migrateSyncKit } from '@faultline/sync-kit'
import {
  createParticipant,
  defineParticipant,
  emitEvent,
  type SagaMessage,
} from '@faultline/saga-kit'
import { ClientTx } from '../src/engine/client-tx.js'
import { createSyncKitTransport } from '@faultline/saga-kit/sync-kit'
import { count, startTestDb, type TestDb } from './support/harness.js'

let db: TestDb
beforeAll(async () => {
  db = await startTestDb()
})
afterAll(async () => db?.stop())

const commandTo = (sagaId: string): SagaMessage => ({
  id: `cmd-${sagaId}`,
  key: sagaId,
  type: 'reserve',
  headers: {},
  body: {
    sagaId,
    sagaName: 'order',
    stepId: 'reserve',
    direction: 'invoke',
    attempt: 1,
    idempotencyKey: `${sagaId}:reserve`,
    replyTo: 'saga.replies',
    payload: {},
  },
})

describe('deferred writes (ClientTx.defer)', () => {
  test('an event a participant handler sends before it fails rolls back with the handler; the failure reply commits', async () => {
    const pool = await db.fresh('deferred_writes')
    await migrateSyncKit(pool)
    // The transport defers its outbox rows in saga-kit's own transactions; send() is all this
    // test uses of it, so its consumer side is never started.
    const transport = createSyncKitTransport({
      store: createPostgresConsumerStore({ pool }),
      db: pool,
      eventConsumer: () => {
        throw new Error('never subscribed')
      },
      deadLetters: { publish: () => Promise.resolve([]), close: () => Promise.resolve() },
    })
    const participant = createParticipant({
      db: pool,
      transport,
      definition: defineParticipant('inventory', {
        reserve: async ({ tx, sagaId }) => {
          await emitEvent(tx, transport, 'stock.events', {
            key: sagaId,
            type: 'stock.reserved',
            payload: {},
          })
          throw new Error('out of stock') // after the event was sent in the handler's tx
        },
      }),
    })
    // In the participant's own transaction, and in a delivery transaction that defers (as the
    // sync-kit transport hands one to the handler, and sends what it holds before committing).
    await participant.handle(commandTo('own'))
    const client = await pool.connect()
    try {
      await client.query('BEGIN')
      const tx = new ClientTx(client, false, true)
      await participant.handle(commandTo('shared'), { db: pool, tx })
      await tx.flush()
      await client.query('COMMIT')
    } finally {
      client.release()
    }
    const rows = (channel: string) =>
      count(pool, `SELECT count(*) n FROM sync_outbox WHERE aggregatetype = $1`, [channel])
    expect(await rows('stock.events')).toBe(0)
    expect(await rows('saga.replies')).toBe(2)
  })
})
