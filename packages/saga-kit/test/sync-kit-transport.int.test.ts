import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import pg from 'pg'
import { Kafka, logLevel } from 'kafkajs'
import { startKafka, startPostgres, type KafkaHandle, type PostgresHandle } from '@faultline/infra'
import {
  createLogicalRelay,
  createPostgresConsumerStore,
  encodeEnvelope,
  migrateSyncKit,
  uuidv7,
  type JsonValue,
  type LogicalRelay,
  type OutgoingMessage,
} from '@faultline/sync-kit'
import {
  createKafkaEventConsumer,
  createKafkaPublisher,
  type KafkaPublisher,
} from '@faultline/sync-kit/kafka'
import {
  createOrchestrator,
  migrateSagaKit,
  withTx,
  type Orchestrator,
  type Participant,
} from '@faultline/saga-kit'
import { createSyncKitTransport, SAGA_EVENT_TYPE } from '@faultline/saga-kit/sync-kit'
import { count, waitFor } from './support/harness.js'
import { transportContract } from '@faultline/saga-kit/testing'
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
  await migrateSagaKit(pool)
  await createShopTables(pool)
  const admin = new Kafka({ brokers: kafka.brokers, logLevel: logLevel.NOTHING }).admin()
  await admin.connect()
  await admin.createTopics({
    topics: CHANNELS.map((text) => ({ topic: `outbox.event.${text}`, numPartitions: 2 })),
  })
  await admin.disconnect()
  publisher = createKafkaPublisher({ brokers: kafka.brokers })
  relay = createLogicalRelay({ connection: url, publisher })
  await relay.start()
})
afterAll(async () => {
  await orch?.close()
  for (const participant of participants) await participant.close()
  await relay?.stop()
  await publisher?.close?.()
  await pool?.end()
  await Promise.all([server?.stop(), kafka?.stop()])
})

describe('SyncKitTransport (outbox, logical-replication relay, Kafka, sync-kit inbox consumer)', () => {
  test('order sagas complete or compensate with commands and replies travelling over Kafka', async () => {
    const transport = createSyncKitTransport({
      store: createPostgresConsumerStore({ pool }),
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
    const value = 20
    await Promise.all(
      Array.from({ length: value }, (_, index) =>
        orch.start(
          'order',
          { orderId: `k${index}`, sku: 'sku-1', qty: 1, amount: 5, declineCard: index % 4 === 0 },
          { sagaId: `k${index}` },
        ),
      ),
    )
    await waitFor(
      async () =>
        (await count(
          pool,
          `SELECT count(*) n FROM saga.instance WHERE state IN ('COMPLETED','COMPENSATED')`,
        )) === value,
      60_000,
    ).catch(async (error: unknown) => {
      const quantile = async (sql: string) => JSON.stringify((await pool.query(sql)).rows)
      const st = await quantile(`SELECT state, count(*) FROM saga.instance GROUP BY 1`)
      const ob = await quantile(`SELECT aggregatetype, count(*) FROM sync_outbox GROUP BY 1`)
      const ib = await quantile(`SELECT participant, count(*) FROM saga.inbox GROUP BY 1`)
      const text = await quantile(`SELECT kind, count(*) FROM saga.history GROUP BY 1`)
      throw new Error(
        `${String(error)}: relay ${JSON.stringify(relay.stats())} states ${st} outbox ${ob} inbox ${ib} history ${text}`,
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
    ).toBeGreaterThanOrEqual(value)
  })
})

describe('SyncKitTransport with `db`: one transaction per message', () => {
  test("a participant's inbox entry, effect and reply, and the orchestrator's reply handling, commit in sync-kit's inbox transaction", async () => {
    await orch?.close()
    for (const participant of participants) await participant.close()
    const prefix = `shared-${Math.random().toString(36).slice(2)}`
    const transport = createSyncKitTransport({
      store: createPostgresConsumerStore({ pool }),
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
    const value = 8
    await Promise.all(
      Array.from({ length: value }, (_, index) =>
        orch.start(
          'order',
          { orderId: `s${index}`, sku: 'sku-1', qty: 1, amount: 5, declineCard: index % 4 === 0 },
          { sagaId: `s${index}` },
        ),
      ),
    )
    const ended = `SELECT count(*) n FROM saga.instance
                   WHERE saga_id LIKE 's%' AND state IN ('COMPLETED','COMPENSATED')`
    await waitFor(async () => (await count(pool, ended)) === value, 60_000)
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
    expect(Number(participantRows.rows[0]?.total)).toBeGreaterThanOrEqual(2 * value)
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
    expect(Number(replyRows.rows[0]?.total)).toBeGreaterThanOrEqual(2 * value)
    expect(replyRows.rows[0]?.shared).toBe(replyRows.rows[0]?.total)
  })
})

/** Participants and an orchestrator over a transport with `db`, in consumer groups of their own. */
async function restartWith(prefix: string, startCommitWaitMs?: number): Promise<Orchestrator> {
  await orch?.close()
  for (const participant of participants) await participant.close()
  const transport = createSyncKitTransport({
    store: createPostgresConsumerStore({ pool }),
    db: pool,
    eventConsumer: () => createKafkaEventConsumer({ brokers: kafka.brokers }),
    deadLetters: publisher,
    groupPrefix: `${prefix}-${Math.random().toString(36).slice(2)}`,
  })
  participants = await startParticipants(pool, transport)
  orch = createOrchestrator({
    db: pool,
    sagas: [orderSaga({ stepTimeoutMs: 60_000 })],
    transport,
    pollIntervalMs: 50,
    startCommitWaitMs,
  })
  await orch.listen()
  return orch
}

const order = (orderId: string) => ({ orderId, sku: 'sku-1', qty: 1, amount: 5 })

const deadLettersOf = async (sagaId: string) =>
  (
    await pool.query<{ source: string; reason: string }>(
      `SELECT source, reason FROM saga.dead_letter
       WHERE message->>'key' = $1 OR message->'body'->>'sagaId' = $1 ORDER BY id`,
      [sagaId],
    )
  ).rows

describe('a message on the replies topic that is not a saga message', () => {
  test('is dead-lettered into saga.dead_letter at once; the saga behind it on its partition is not held back', async () => {
    const otherOrchestrator = await restartWith('hostile')
    const sagaId = 'h1'
    // Produced straight to the topic, keyed like h1's replies, so it sits before them on their
    // partition; a sync-kit envelope of the saga type whose payload is no saga message.
    const ids: string[] = []
    const hostile = (payload: JsonValue): OutgoingMessage => {
      const id = uuidv7()
      ids.push(id)
      const envelope = {
        id,
        aggregateType: 'saga.replies',
        aggregateId: `hostile-${id}`,
        type: SAGA_EVENT_TYPE,
        schemaVersion: 1,
        sequence: 1,
        payload,
        headers: {},
        occurredAt: new Date().toISOString(),
      }
      return { topic: 'outbox.event.saga.replies', ...encodeEnvelope(envelope), key: sagaId }
    }
    const sent = await publisher.publish([hostile({ hello: 'world' }), hostile('not a saga')])
    expect(sent.map((row) => row.ok)).toEqual([true, true])
    const began = Date.now()
    await otherOrchestrator.start('order', order(sagaId), { sagaId })
    // Before the fix sync-kit retried each for its whole budget (~70 s) with the partition held.
    await waitFor(async () => (await otherOrchestrator.get(sagaId))?.state === 'COMPLETED', 30_000)
    console.log(
      `[saga-kit hostile] the saga behind 2 non-saga messages completed in ${Date.now() - began} ms`,
    )
    const dead = await pool.query<{ source: string; reason: string; body: unknown }>(
      `SELECT source, reason, message->'body' AS body FROM saga.dead_letter
       WHERE message->>'id' = ANY($1) ORDER BY id`,
      [ids],
    )
    expect(dead.rows.map((row) => [row.source, row.body])).toEqual([
      ['orchestrator', { hello: 'world' }],
      ['orchestrator', 'not a saga'],
    ])
    expect(dead.rows[0]?.reason).toMatch(/^malformed reply: sagaId must be a non-empty string;/)
    expect(dead.rows[1]?.reason).toBe('malformed reply: reply body is not an object')
    expect(await deadLettersOf(sagaId)).toEqual([])
  })
})

/**
 * Makes every commit that asks for it wait for a synchronous standby that never connects, and
 * every other session commit locally; `null` undoes it. Each backend reads the change when its
 * next command starts.
 */
async function syncStandby(name: string | null): Promise<void> {
  if (name === null) {
    await pool.query('ALTER SYSTEM RESET synchronous_standby_names')
    await pool.query('ALTER SYSTEM RESET synchronous_commit')
  } else {
    await pool.query(`ALTER SYSTEM SET synchronous_commit = 'local'`)
    await pool.query(`ALTER SYSTEM SET synchronous_standby_names = '${name}'`)
  }
  await pool.query('SELECT pg_reload_conf()')
}

const backendsWaiting = (event: string, query = '%') =>
  count(
    pool,
    `SELECT count(*) n FROM pg_stat_activity
     WHERE datname = current_database() AND wait_event = $1 AND query LIKE $2`,
    [event, query],
  )
/** The orchestrator's reply handler waiting for an uncommitted start (see pending-start.ts). */
const probeWaiting = () => backendsWaiting('transactionid', '%saga_start_probe%')

describe('a reply published before its saga start is visible', () => {
  test('(relay A publishes a commit that waits for a synchronous standby) waits for the start and is applied', async () => {
    const otherOrchestrator = await restartWith('early', 120_000)
    const sagaId = 'v1'
    let started: Promise<unknown> = Promise.resolve()
    let probeSeen = false
    await syncStandby('saga_test_never_connects')
    try {
      started = withTx(pool, async (tx) => {
        await tx.client.query(`SET LOCAL synchronous_commit = 'on'`)
        await waitFor(async () => {
          const { rows } = await tx.client.query<{ synchronous_standby_names: string }>(
            'SHOW synchronous_standby_names',
          )
          return rows[0]?.synchronous_standby_names === 'saga_test_never_connects'
        })
        await otherOrchestrator.start('order', order(sagaId), { sagaId, tx })
      })
      // The start's COMMIT is in the WAL and waits for the standby: other sessions cannot see it.
      await waitFor(async () => (await backendsWaiting('SyncRep')) === 1)
      expect(
        await count(pool, `SELECT count(*) n FROM saga.instance WHERE saga_id = $1`, [sagaId]),
      ).toBe(0)
      // Relay A publishes its command anyway; inventory reserves and replies; the reply reaches
      // the orchestrator, which either waits for the start (a lock wait) or gives the reply up.
      await waitFor(async () => {
        probeSeen = (await probeWaiting()) > 0
        return probeSeen || (await deadLettersOf(sagaId)).length > 0
      }, 60_000)
    } finally {
      await syncStandby(null)
    }
    await started
    expect(await deadLettersOf(sagaId)).toEqual([])
    expect(probeSeen).toBe(true)
    await waitFor(async () => (await otherOrchestrator.get(sagaId))?.state === 'COMPLETED', 30_000)
    const history = await otherOrchestrator.history(sagaId)
    expect(history.filter((entry) => entry.kind === 'step.timeout')).toHaveLength(0)
  })
})

describe('SyncKitTransport contract', () => {
  transportContract('sync-kit', () =>
    Promise.resolve({
      transport: createSyncKitTransport({
        store: createPostgresConsumerStore({ pool }),
        eventConsumer: () => createKafkaEventConsumer({ brokers: kafka.brokers }),
        deadLetters: publisher,
        groupPrefix: `contract-${Math.random().toString(36).slice(2)}`,
      }),
      inTx: (fn) => withTx(pool, fn),
    }),
  )
})

describe('topics', () => {
  test("subscribe creates a channel's missing topic; one it can neither find nor create fails at once, named", async () => {
    const transport = createSyncKitTransport({
      store: createPostgresConsumerStore({ pool }),
      eventConsumer: () => createKafkaEventConsumer({ brokers: kafka.brokers }),
      deadLetters: publisher,
    })
    const subscription = await transport.subscribe('saga.participant.shipping', () =>
      Promise.resolve(),
    )
    await subscription.close()
    const admin = new Kafka({ brokers: kafka.brokers, logLevel: logLevel.NOTHING }).admin()
    await admin.connect()
    const topics = await admin.listTopics()
    await admin.disconnect()
    expect(topics).toContain('outbox.event.saga.participant.shipping')

    const refusing = createSyncKitTransport({
      store: createPostgresConsumerStore({ pool }),
      eventConsumer: () => createKafkaEventConsumer({ brokers: kafka.brokers }),
      deadLetters: {
        publish: () => Promise.resolve([]),
        close: () => Promise.resolve(),
        ensureTopic: () => Promise.reject(new Error('not authorised to create topics')),
      },
    })
    await expect(
      refusing.subscribe('saga.participant.billing', () => Promise.resolve()),
    ).rejects.toMatchObject({
      code: 'E_SAGA_TOPIC_MISSING',
      retryable: false,
      context: { topic: 'outbox.event.saga.participant.billing' },
    })
  })
})
