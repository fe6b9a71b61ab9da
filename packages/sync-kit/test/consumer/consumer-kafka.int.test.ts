import { Kafka, logLevel } from 'kafkajs'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startKafka, startPostgres, type KafkaHandle, type PostgresHandle } from '@faultline/infra'
import {
  createConsumer,
  createPostgresConsumerStore,
  createProjectionRunner,
  encodeEnvelope,
  migrateSyncKit,
  readDeadLetter,
  totalLag,
  type ConsumedMessage,
  type EventConsumer,
  type EventEnvelope,
  type JsonValue,
  type PostgresConsumerStore,
} from '@faultline/sync-kit'
import {
  createKafkaEventConsumer,
  createKafkaPublisher,
  type KafkaPublisher,
} from '@faultline/sync-kit/kafka'
import {
  appendToHistoryPg,
  drained,
  expectedRows,
  itemEvent,
  pgHistoryProjection,
  waitUntil,
} from './support.js'
import { eventConsumerContract } from '@faultline/sync-kit/testing'

let pgServer: PostgresHandle
let kafka: KafkaHandle
let pool: pg.Pool
let store: PostgresConsumerStore
let publisher: KafkaPublisher

async function createTopics(...topics: string[]): Promise<void> {
  const admin = new Kafka({ brokers: kafka.brokers, logLevel: logLevel.NOTHING }).admin()
  await admin.connect()
  // A broker that just started may not host the new partitions yet: retry until it does.
  for (let attempt = 1; ; attempt++) {
    try {
      await admin.createTopics({
        topics: topics.map((topic) => ({ topic, numPartitions: 3 })),
        waitForLeaders: true,
      })
      await admin.fetchTopicOffsets(topics[0]!)
      break
    } catch (err) {
      if (attempt >= 20) throw err
      await new Promise((r) => setTimeout(r, 500))
    }
  }
  await admin.disconnect()
}

const transport = () =>
  createKafkaEventConsumer({
    brokers: kafka.brokers,
    sessionTimeoutMs: 10_000,
    heartbeatIntervalMs: 1_000,
  })

async function produce(topic: string, events: readonly EventEnvelope[]): Promise<void> {
  const results = await publisher.publish(events.map((e) => ({ topic, ...encodeEnvelope(e) })))
  expect(results.every((r) => r.ok)).toBe(true)
}

/** Every message of `topic` up to its current end offsets, read by a throwaway group. */
async function readAll(topic: string): Promise<ConsumedMessage[]> {
  const reader = transport()
  const ends = await reader.endOffsets([topic])
  const out: ConsumedMessage[] = []
  const total = ends.reduce((n, e) => n + Number(e.offset), 0)
  await reader.run({
    groupId: `reader-${Date.now()}-${Math.random()}`,
    topics: [topic],
    fromBeginning: true,
    eachMessage: (m) => {
      out.push(m)
      return Promise.resolve()
    },
  })
  await waitUntil(() => out.length >= total, 60_000)
  await reader.stop()
  return out
}

async function readItems(): Promise<Record<string, JsonValue>> {
  const r = await pool.query<{ id: string; history: JsonValue }>('SELECT id, history FROM items')
  return Object.fromEntries(r.rows.map((row) => [row.id, row.history]))
}

beforeAll(async () => {
  ;[pgServer, kafka] = await Promise.all([startPostgres(), startKafka()])
  pool = new pg.Pool({
    connectionString: (await pgServer.createDatabase('consumer_kafka')).url,
    max: 8,
  })
  pool.on('error', () => undefined) // the server stops under idle clients in afterAll
  await migrateSyncKit(pool)
  await pool.query('CREATE TABLE items (id text PRIMARY KEY, history jsonb NOT NULL)')
  store = createPostgresConsumerStore({ pool })
  publisher = createKafkaPublisher({ brokers: kafka.brokers })
  await createTopics('orders', 'orders-dlq', 'catalog', 'catalog-dlq')
})

afterAll(async () => {
  await publisher?.close()
  await pool?.end()
  await Promise.all([pgServer?.stop(), kafka?.stop()])
})

let topics = 0
eventConsumerContract('KafkaEventConsumer', () => ({
  make: transport,
  topic: async () => {
    const t = `contract-${topics++}`
    await createTopics(t)
    return t
  },
  produce: async (topic, key, count) => {
    const start = produced.get(`${topic}/${key}`) ?? 0
    produced.set(`${topic}/${key}`, start + count)
    const messages = Array.from({ length: count }, (_, i) => ({
      topic,
      key,
      value: Buffer.from(`${key}-${start + i}`),
      headers: {},
    }))
    // A fresh topic's leader may not be known to the producer yet: retry until acknowledged.
    await waitUntil(
      () =>
        publisher.publish(messages).then(
          (results) => results.every((r) => r.ok),
          () => false,
        ),
      30_000,
    )
  },
  timeoutMs: 60_000,
}))
const produced = new Map<string, number>()

const KILLED_IDS = ['k1', 'k2', 'k3', 'k4', 'k5', 'k6']

/**
 * Fault point "committed to the database, offset not committed": the member dies at its first
 * offset commit, as a process killed right after its chunk's COMMIT would; a dead member handles
 * nothing more.
 */
function killedAtFirstCommit(inner: EventConsumer) {
  let dead = false
  const consumer: EventConsumer = {
    run: (o) =>
      inner.run({
        ...o,
        eachBatch: async (batch) => {
          if (dead) throw new Error('this member is dead')
          await o.eachBatch?.({
            ...batch,
            commit: () => {
              dead = true
              return Promise.reject(new Error('killed before the offset commit'))
            },
            isActive: () => !dead && batch.isActive(),
          })
        },
      }),
    stop: () => inner.stop(),
    endOffsets: (topics) => inner.endOffsets(topics),
    committedOffsets: (group, topics) => inner.committedOffsets(group, topics),
  }
  return { consumer, dead: () => dead }
}

describe('Consumer on Kafka and Postgres', () => {
  test('killed after a chunk committed to Postgres but before its offsets did: the next member gets it again and the inbox drops it', async () => {
    const run = async (withInbox: boolean) => {
      const topic = `killed-${String(withInbox)}`
      await createTopics(topic)
      const id = (base: string) => `${base}-${String(withInbox)}`
      const ids = KILLED_IDS.map(id)
      const events = [1, 2, 3].flatMap((s) => ids.map((id) => itemEvent(id, s)))
      await produce(topic, events)
      const db = createPostgresConsumerStore({ pool })
      if (!withInbox) {
        // Without the inbox every delivery is a first one.
        db.claim = () => Promise.resolve(true)
        Object.assign(db, { chunkTransaction: undefined })
      }
      const options = {
        groupId: `${topic}-view`,
        topics: [topic],
        handlers: { 'item.appended': appendToHistoryPg },
        db,
        deadLetters: publisher,
        deadLetterTopic: 'orders-dlq',
        gapPolicy: withInbox ? ('hold' as const) : ('report' as const),
      }
      const dying = killedAtFirstCommit(transport())
      const first = createConsumer({ ...options, consumer: dying.consumer })
      await first.start()
      await waitUntil(dying.dead, 60_000)
      await first.stop()
      const probe = transport()
      const committed = await probe.committedOffsets(options.groupId, [topic])
      const ends = await probe.endOffsets([topic])
      await probe.stop()
      const second = createConsumer({ ...options, consumer: transport() })
      await second.start()
      await drained(second, () => Promise.resolve(ends), 60_000)
      await second.stop()
      const items = await readItems()
      // The other tests read the whole table.
      await pool.query('DELETE FROM items WHERE id = ANY($1)', [ids])
      return {
        committed,
        appliedBeforeKill: first.metrics().applied,
        redelivered: second.metrics().duplicates,
        model: Object.fromEntries(KILLED_IDS.map((base) => [base, items[id(base)] ?? null])),
      }
    }
    const kit = await run(true)
    expect(kit.committed).toEqual([]) // the kill came before any offset commit
    expect(kit.appliedBeforeKill).toBeGreaterThan(0)
    expect(kit.redelivered).toBe(kit.appliedBeforeKill)
    const once = Object.fromEntries(KILLED_IDS.map((base) => [base, [1, 2, 3]]))
    expect(kit.model).toEqual(once)
    // The same kill without the inbox applies the redelivered chunk twice.
    expect((await run(false)).model).not.toEqual(once)
  })

  test('poison: DLQ after 3 attempts with its coordinates; events behind it on its partition applied; malformed input dead-lettered', async () => {
    const poison = itemEvent('a', 2, 'poison')
    const events = [
      itemEvent('a', 1),
      poison,
      itemEvent('a', 3),
      itemEvent('b', 1),
      itemEvent('c', 1),
    ]
    await produce('orders', events)
    await publisher.publish([
      { topic: 'orders', key: 'a', value: Buffer.from('{not json'), headers: {} },
      { topic: 'orders', ...encodeEnvelope(itemEvent('d', 1, 0, { schemaVersion: 3 })) },
    ])
    let calls = 0
    const c = createConsumer({
      groupId: 'orders-view',
      topics: ['orders'],
      handlers: {
        'item.appended': async (tx, e, ctx) => {
          if (e.id === poison.id) {
            calls++
            throw new Error('cannot apply')
          }
          await appendToHistoryPg(tx, e, ctx)
        },
      },
      consumer: transport(),
      db: store,
      deadLetters: publisher,
      deadLetterTopic: 'orders-dlq',
      maxAttempts: 3,
      backoffBaseMs: 10,
    })
    expect(totalLag(await c.lag())).toBe(7)
    await c.start()
    const ends = await transport().endOffsets(['orders'])
    await drained(c, () => Promise.resolve(ends), 60_000)
    expect(totalLag(await c.lag())).toBe(0)
    await c.stop()
    expect(calls).toBe(3)
    expect(await readItems()).toEqual({ a: [1, 3], b: [1], c: [1] })
    const inTopic = (await readAll('orders')).find((m) => m.value?.toString().includes(poison.id))!
    const letters = (await readAll('orders-dlq')).map((m) => ({
      info: readDeadLetter(m.headers)!,
      value: m.value?.toString(),
    }))
    const byCode = (code: string) => letters.filter((l) => l.info.code === code)
    expect(letters).toHaveLength(3)
    expect(byCode('E_SYNC_HANDLER_FAILED')).toMatchObject([
      {
        info: {
          attempts: 3,
          origin: { topic: 'orders', partition: inTopic.partition, offset: inTopic.offset },
        },
      },
    ])
    expect(byCode('E_SYNC_MALFORMED_MESSAGE')).toMatchObject([{ value: '{not json' }])
    expect(byCode('E_SYNC_UNKNOWN_EVENT')[0]?.info.reason).toMatch(/item.appended@3/)
  })

  test('projection rebuild() from the earliest Kafka offset gives the live read model checksum', async () => {
    const events = ['p', 'q', 'r', 's', 't', 'u'].flatMap((id) =>
      [1, 2, 3].map((s) => itemEvent(id, s, `${id}${s}`)),
    )
    await produce('catalog', [...events].reverse()) // reordered ...
    await produce('catalog', events.slice(0, 6)) // ... and duplicated
    const runner = createProjectionRunner({
      projection: pgHistoryProjection,
      db: store,
      topics: ['catalog'],
      connect: transport,
      deadLetters: publisher,
      consumer: { deadLetterTopic: 'catalog-dlq', backoffBaseMs: 10 },
    })
    await runner.start()
    const ends = await transport().endOffsets(['catalog'])
    await drained(runner.consumer!, () => Promise.resolve(ends), 60_000)
    const live = await runner.checksum(() => Promise.resolve(expectedRows(events)))
    expect(live.equal).toBe(true)
    const result = await runner.rebuild()
    expect(result.rows).toBe(6)
    expect((await runner.checksum()).readModel).toEqual(live.readModel)
    const more = [itemEvent('p', 4, 'p4'), itemEvent('v', 1, 'v1')]
    await produce('catalog', more)
    const later = await transport().endOffsets(['catalog'])
    await drained(runner.consumer!, () => Promise.resolve(later), 60_000)
    await runner.verify(() => Promise.resolve(expectedRows([...events, ...more])))
    await runner.stop()
  })
})
