import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  createMemoryBroker,
  createPollingRelay,
  createPostgresConsumerStore,
  migrateSyncKit,
} from '@faultline/sync-kit'
import {
  command,
  createOrchestrator,
  createParticipant,
  defineParticipant,
  defineSaga,
  type Participant,
  type SagaTx,
} from '@faultline/saga-kit'
import { createSyncKitTransport } from '@faultline/saga-kit/sync-kit'
import { startTestDb, type TestDb } from './support/harness.js'
import { wireCounter } from './support/trip-counter.js'

let db: TestDb
beforeAll(async () => {
  db = await startTestDb()
})
afterAll(async () => db?.stop())

const effect =
  (step: string) =>
  async ({ tx, sagaId }: { tx: SagaTx; sagaId: string }) =>
    void (await tx.client.query('INSERT INTO effect VALUES ($1, $2)', [sagaId, step]))

/** The bench's messaging saga: local, command, command, local. */
const saga = defineSaga('msg')
  .step('create', { invoke: effect('create'), compensate: async () => {} })
  .step('reserve', { invoke: command('inventory', 'reserve'), timeoutMs: 60_000 })
  .step('charge', { invoke: command('payments', 'charge'), timeoutMs: 60_000 })
  .step('approve', { kind: 'pivot', invoke: effect('approve') })

/** A statement of sync-kit's consumer (its transaction and inbox), not of saga-kit. */
const syncKits = (text: string): boolean => /^(BEGIN|COMMIT)$|sync_inbox/.test(text.trim())

describe('round trips of a messaging saga', () => {
  test('saga-kit sends 10 round trips of its own per saga (2 per transaction), besides the 4 effects; its outbox rows and inbox entries ride with its checkpoints', async () => {
    const pool = await db.fresh('messaging_trips')
    await migrateSyncKit(pool)
    await pool.query('CREATE TABLE effect (saga text, step text, PRIMARY KEY (saga, step))')
    const broker = createMemoryBroker()
    const url = pool.options.connectionString ?? ''
    const relay = createPollingRelay({ connection: url, publisher: broker })
    const transport = createSyncKitTransport({
      store: createPostgresConsumerStore({ pool }),
      db: pool,
      eventConsumer: () => broker.consumer(),
      deadLetters: broker,
    })
    const ended = new Map<string, () => void>()
    const orch = createOrchestrator({
      db: pool,
      sagas: [saga],
      transport,
      concurrency: 0, // no poller: every round trip below belongs to the saga
      onEvent: (event) => void (event.type === 'saga:completed' && ended.get(event.sagaId)?.()),
    })
    const participants: Participant[] = [
      defineParticipant('inventory', { reserve: effect('reserve') }),
      defineParticipant('payments', { charge: effect('charge') }),
    ].map((definition) => createParticipant({ db: pool, transport, definition }))
    const wire = wireCounter(pool)
    try {
      await relay.start()
      for (const participant of participants) await participant.listen()
      await orch.listen()
      const run = async (sagaId: string): Promise<void> => {
        const done = new Promise<void>((resolve) => ended.set(sagaId, resolve))
        await orch.start('msg', {}, { sagaId })
        await done
      }
      await run('warm')
      wire.on = true
      await run('m1')
      wire.on = false
      const own = wire.texts.filter((text) => !syncKits(text))
      const effects = own.filter((text) => text.startsWith('INSERT INTO effect'))
      // start: BEGIN + instance + savepoint; create's insert; command + checkpoint + COMMIT.
      // Per command (participant, in sync-kit's transaction): inbox lock + read + savepoint;
      // its effect; inbox entry + reply. Per reply: saga lock + step read (+ the savepoint of
      // the local step after it); next command + checkpoint (after approve's insert).
      expect({ own: own.length - effects.length, effects: effects.length }).toEqual({
        own: 2 + 2 * 2 + 2 * 2,
        effects: 4,
      })
      // Only start() commits on its own; the rest commits in sync-kit's inbox transactions.
      expect(own.filter((text) => /^COMMIT\b/m.test(text))).toHaveLength(1)
      expect(own.filter((text) => text.includes('sync_outbox'))).toHaveLength(4)
      expect(
        (await pool.query(`SELECT step FROM effect WHERE saga = 'm1' ORDER BY step`)).rows,
      ).toEqual([{ step: 'approve' }, { step: 'charge' }, { step: 'create' }, { step: 'reserve' }])
    } finally {
      await orch.close()
      for (const participant of participants) await participant.close()
      await relay.stop()
    }
  })
})
