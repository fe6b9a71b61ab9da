import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import pg from 'pg'
import { Kafka, logLevel } from 'kafkajs'
import { startKafka, startPostgres, type KafkaHandle, type PostgresHandle } from '@faultline/infra'
import {
  createLogicalRelay,
  createPostgresStore,
  migrate as migrateSyncKit,
  type LogicalRelay,
} from '@faultline/sync-kit'
import {
  createKafkaEventConsumer,
  createKafkaPublisher,
  type KafkaPublisher,
} from '@faultline/sync-kit/kafka'
import {
  createOrchestrator,
  migrate,
  withTx,
  type Orchestrator,
  type Participant,
} from '@faultline/saga-kit'
import { createSyncKitTransport } from '@faultline/saga-kit/sync-kit'
import { count, waitFor } from './support/harness.js'
import { transportContract } from './contracts/transport.contract.js'
import { createShopTables, orderSaga, startParticipants } from './support/order-saga.js'

let server: PostgresHandle
let kafka: KafkaHandle
let pool: pg.Pool
let relay: LogicalRelay
let publisher: KafkaPublisher
let orch: Orchestrator
let participants: Participant[] = []

const CHANNELS = [
  'saga.replies',
  'saga.participant.inventory',
  'saga.participant.payments',
  'contract.a',
  'contract.b',
]

beforeAll(async () => {
  ;[server, kafka] = await Promise.all([
    startPostgres({ log: () => {} }),
    startKafka({ log: () => {} }),
  ])
  const { url } = await server.createDatabase('saga_kafka')
  pool = new pg.Pool({ connectionString: url, max: 30 })
  pool.on('error', () => {})
  await migrateSyncKit(pool)
  await migrate(pool)
  await createShopTables(pool)
  const admin = new Kafka({ brokers: kafka.brokers, logLevel: logLevel.NOTHING }).admin()
  await admin.connect()
  await admin.createTopics({
    topics: CHANNELS.map((c) => ({ topic: `outbox.event.${c}`, numPartitions: 2 })),
  })
  await admin.disconnect()
  publisher = createKafkaPublisher({ brokers: kafka.brokers })
  relay = createLogicalRelay({ connection: url, publisher })
  await relay.start()
})
afterAll(async () => {
  await orch?.close()
  for (const p of participants) await p.close()
  await relay?.stop()
  await publisher?.close?.()
  await pool?.end()
  await Promise.all([server?.stop(), kafka?.stop()])
})

describe('SyncKitTransport (outbox, logical-replication relay, Kafka, sync-kit inbox consumer)', () => {
  test('order sagas complete or compensate with commands and replies travelling over Kafka', async () => {
    const transport = createSyncKitTransport({
      store: createPostgresStore({ pool }),
      eventConsumer: () => createKafkaEventConsumer({ brokers: kafka.brokers }),
      deadLetters: publisher,
    })
    participants = await startParticipants(pool, transport)
    orch = createOrchestrator({
      db: pool,
      sagas: [orderSaga({ stepTimeoutMs: 60_000 })],
      transport,
      pollIntervalMs: 50,
    })
    await orch.listen()
    const N = 20
    await Promise.all(
      Array.from({ length: N }, (_, i) =>
        orch.start(
          'order',
          { orderId: `k${i}`, sku: 'sku-1', qty: 1, amount: 5, declineCard: i % 4 === 0 },
          { sagaId: `k${i}` },
        ),
      ),
    )
    await waitFor(
      async () =>
        (await count(
          pool,
          `SELECT count(*) n FROM saga.instance WHERE state IN ('COMPLETED','COMPENSATED')`,
        )) === N,
      60_000,
    ).catch(async (e: unknown) => {
      const q = async (sql: string) => JSON.stringify((await pool.query(sql)).rows)
      const st = await q(`SELECT state, count(*) FROM saga.instance GROUP BY 1`)
      const ob = await q(`SELECT aggregatetype, count(*) FROM sync_outbox GROUP BY 1`)
      const ib = await q(`SELECT participant, count(*) FROM saga.inbox GROUP BY 1`)
      const h = await q(`SELECT kind, count(*) FROM saga.history GROUP BY 1`)
      throw new Error(
        `${String(e)}: relay ${JSON.stringify(relay.stats())} states ${st} outbox ${ob} inbox ${ib} history ${h}`,
      )
    })
    expect(
      await count(pool, `SELECT count(*) n FROM saga.instance WHERE state = 'COMPENSATED'`),
    ).toBe(5)
    expect(await count(pool, 'SELECT count(*) n FROM payment')).toBe(15)
    expect(await count(pool, 'SELECT count(*) n FROM reservation')).toBe(15)
    // The commands really went through the outbox.
    expect(
      await count(
        pool,
        `SELECT count(*) n FROM sync_outbox WHERE aggregatetype = 'saga.participant.inventory'`,
      ),
    ).toBeGreaterThanOrEqual(N)
  })
})

describe('SyncKitTransport with `db`: one transaction per message', () => {
  test("a participant's inbox entry, effect and reply, and the orchestrator's reply handling, commit in sync-kit's inbox transaction", async () => {
    await orch?.close()
    for (const p of participants) await p.close()
    const prefix = `shared-${Math.random().toString(36).slice(2)}`
    const transport = createSyncKitTransport({
      store: createPostgresStore({ pool }),
      db: pool,
      eventConsumer: () => createKafkaEventConsumer({ brokers: kafka.brokers }),
      deadLetters: publisher,
      groupPrefix: prefix,
    })
    participants = await startParticipants(pool, transport)
    orch = createOrchestrator({
      db: pool,
      sagas: [orderSaga({ stepTimeoutMs: 60_000 })],
      transport,
      pollIntervalMs: 50,
    })
    await orch.listen()
    const N = 8
    await Promise.all(
      Array.from({ length: N }, (_, i) =>
        orch.start(
          'order',
          { orderId: `s${i}`, sku: 'sku-1', qty: 1, amount: 5, declineCard: i % 4 === 0 },
          { sagaId: `s${i}` },
        ),
      ),
    )
    const ended = `SELECT count(*) n FROM saga.instance
                   WHERE saga_id LIKE 's%' AND state IN ('COMPLETED','COMPENSATED')`
    await waitFor(async () => (await count(pool, ended)) === N, 60_000)
    expect(
      await count(
        pool,
        `SELECT count(*) n FROM saga.instance WHERE saga_id LIKE 's%' AND state = 'COMPENSATED'`,
      ),
    ).toBe(2)
    // A participant's reply row records its top-level transaction (`xid`); the command's
    // sync-kit inbox claim was made by that same transaction (its row's xmin). The participant's
    // own rows cannot be compared this way: the handler runs under a savepoint (a subtransaction).
    const participantRows = await pool.query<{ total: string; shared: string }>(
      `SELECT count(*) total, count(*) FILTER (WHERE EXISTS (
         SELECT 1 FROM sync_inbox ib
         WHERE ib.namespace LIKE $1 || '.saga.participant.%' AND ib.xmin = o.xid::xid
       )) shared
       FROM sync_outbox o WHERE o.aggregatetype = 'saga.replies' AND o.aggregateid LIKE 's%'`,
      [prefix],
    )
    // 8 sagas x 2 commands, plus the release of each of the 2 declined ones.
    expect(Number(participantRows.rows[0]?.total)).toBeGreaterThanOrEqual(2 * N)
    expect(participantRows.rows[0]?.shared).toBe(participantRows.rows[0]?.total)
    // ... and every reply to these sagas the orchestrator claimed was applied (its history
    // entry) in that transaction. (The new group also reads the earlier test's replies.) The
    // entry may be written under a savepoint (when a local step follows the reply), so it is
    // matched by commit time: a subtransaction commits with its parent, at the same instant,
    // and the saga's transactions take its row lock one after the other.
    const replyRows = await pool.query<{ total: string; shared: string }>(
      `SELECT count(*) total, count(*) FILTER (WHERE EXISTS (
         SELECT 1 FROM saga.history h WHERE h.saga_id = o.aggregateid
           AND pg_xact_commit_timestamp(h.xmin) = pg_xact_commit_timestamp(ib.xmin)
       )) shared
       FROM sync_inbox ib JOIN sync_outbox o ON o.id = ib.event_id
       WHERE ib.namespace = $1 || '.saga.replies' AND o.aggregateid LIKE 's%'`,
      [prefix],
    )
    expect(Number(replyRows.rows[0]?.total)).toBeGreaterThanOrEqual(2 * N)
    expect(replyRows.rows[0]?.shared).toBe(replyRows.rows[0]?.total)
  })
})

describe('SyncKitTransport contract', () => {
  transportContract('sync-kit', () =>
    Promise.resolve({
      transport: createSyncKitTransport({
        store: createPostgresStore({ pool }),
        eventConsumer: () => createKafkaEventConsumer({ brokers: kafka.brokers }),
        deadLetters: publisher,
        groupPrefix: `contract-${Math.random().toString(36).slice(2)}`,
      }),
      inTx: (fn) => withTx(pool, fn),
    }),
  )
})
