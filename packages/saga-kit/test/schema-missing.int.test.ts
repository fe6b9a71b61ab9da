import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import pg from 'pg'
import {
  createMemoryTransport,
  createOrchestrator,
  createParticipant,
  createPgQueueTransport,
  createReactor,
  defineParticipant,
  defineSaga,
  isSagaKitError,
} from '@faultline/saga-kit'
import { createSyncKitTransport } from '@faultline/saga-kit/sync-kit'
import { createPostgresConsumerStore } from '@faultline/sync-kit'
import { startTestDb, type TestDb } from './support/harness.js'

let db: TestDb
let bare: pg.Pool
beforeAll(async () => {
  db = await startTestDb()
  const { url } = await db.pg.createDatabase('never_migrated')
  bare = new pg.Pool({ connectionString: url, max: 4 })
  bare.on('error', () => {}) // idle clients die when the server stops at the end of the file
})
afterAll(async () => {
  await bare?.end()
  await db?.stop()
})

/** What `call` rejects with, checked to be E_SAGA_SCHEMA_MISSING naming `fix`. */
async function schemaMissing(call: () => Promise<unknown>, fix: string): Promise<void> {
  const error: unknown = await call().then(
    () => undefined,
    (thrown: unknown) => thrown,
  )
  expect(isSagaKitError(error), String(error)).toBe(true)
  expect(error).toMatchObject({ code: 'E_SAGA_SCHEMA_MISSING', retryable: false })
  expect((error as Error).message).toContain(fix)
}

const saga = defineSaga('order').step('one', { invoke: async () => {} })

describe('a database without the saga schema', () => {
  test('the orchestrator says to run migrateSagaKit, at listen() and at start()', async () => {
    const orchestrator = createOrchestrator({
      db: bare,
      sagas: [saga],
      transport: createMemoryTransport(),
    })
    await schemaMissing(() => orchestrator.listen(), 'migrateSagaKit(db)')
    await schemaMissing(() => orchestrator.start('order', {}, { sagaId: 's1' }), 'migrateSagaKit')
    await schemaMissing(() => orchestrator.get('s1'), 'migrateSagaKit')
    await orchestrator.close()
  })

  test('participants, reactors and the Postgres queue say so too', async () => {
    const transport = createMemoryTransport()
    const participant = createParticipant({
      db: bare,
      transport,
      definition: defineParticipant('inventory', {}),
    })
    await schemaMissing(() => participant.listen(), 'migrateSagaKit(db)')
    const reactor = createReactor({ db: bare, transport, name: 'shipping', channel: 'c', on: {} })
    await schemaMissing(() => reactor.listen(), 'migrateSagaKit(db)')
    const queue = createPgQueueTransport({ db: bare })
    await schemaMissing(() => queue.subscribe('c', () => Promise.resolve()), 'migrateSagaKit(db)')
  })

  test('an older schema version is named, with the version this saga-kit needs', async () => {
    const pool = await db.fresh('older_schema')
    await pool.query(
      'DELETE FROM saga.migrations WHERE version = (SELECT max(version) FROM saga.migrations)',
    )
    const orchestrator = createOrchestrator({
      db: pool,
      sagas: [saga],
      transport: createMemoryTransport(),
    })
    await schemaMissing(() => orchestrator.checkDefinitions(), 'needs version')
  })

  test("the sync-kit transport says sync-kit's migration is needed as well", async () => {
    const pool = await db.fresh('no_sync_kit')
    const transport = createSyncKitTransport({
      store: createPostgresConsumerStore({ pool }),
      db: pool,
      eventConsumer: () => {
        throw new Error('never reached: the schema is checked first')
      },
      deadLetters: { publish: () => Promise.resolve([]), close: () => Promise.resolve() },
    })
    await schemaMissing(
      () => transport.subscribe('saga.replies', () => Promise.resolve()),
      '@faultline/sync-kit',
    )
  })
})
