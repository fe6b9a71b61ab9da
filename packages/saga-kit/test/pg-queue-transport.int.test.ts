// The assertions live in the exported contract suite this file runs against one adapter.
import { afterAll, beforeAll, describe } from 'vitest'
import { createPgQueueTransport, withTx } from '@faultline/saga-kit'
import { startTestDb, type TestDb } from './support/harness.js'
import { transportContract } from '@faultline/saga-kit/testing'

let db: TestDb
beforeAll(async () => {
  db = await startTestDb()
})
afterAll(async () => db?.stop())

describe('PgQueueTransport contract (real Postgres)', () => {
  transportContract('pg-queue', () =>
    Promise.resolve({
      transport: createPgQueueTransport({ db: db.pool, redeliveryDelayMs: 10 }),
      inTx: (fn) => withTx(db.pool, fn),
    }),
  )
})
