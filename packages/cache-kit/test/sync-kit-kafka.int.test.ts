import { Kafka, logLevel } from 'kafkajs'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  startKafka,
  startPostgres,
  startRedis,
  type KafkaHandle,
  type PostgresHandle,
  type RedisHandle,
} from '@faultline/infra'
import { compareLsn, createCache, type LoaderContext } from '@faultline/cache-kit'
import { createRedisBus, createRedisStore } from '@faultline/cache-kit/redis'
import { applyEvent, type EventChangeResult } from '@faultline/cache-kit/sync-kit'
import {
  appendEvents,
  createConsumer,
  createLogicalRelay,
  createPostgresConsumerStore,
  migrateSyncKit,
  type ConsumedEvent,
} from '@faultline/sync-kit'
import { createKafkaEventConsumer, createKafkaPublisher } from '@faultline/sync-kit/kafka'
import { until } from './fixtures/latency.js'

const TOPIC = 'outbox.event.product'
const PRODUCT = '42'
const KEY = `product:${PRODUCT}`

let server: PostgresHandle
let kafka: KafkaHandle
let redis: RedisHandle
let pool: pg.Pool
let url: string
const closers: (() => Promise<unknown>)[] = []

beforeAll(async () => {
  ;[server, kafka, redis] = await Promise.all([startPostgres(), startKafka(), startRedis()])
  ;({ url } = await server.createDatabase('cache_sync'))
  pool = new pg.Pool({ connectionString: url, max: 4 })
  pool.on('error', () => undefined) // the server stops under idle clients in afterAll
  await migrateSyncKit(pool)
  await pool.query('CREATE TABLE products (id text PRIMARY KEY, price int, version int NOT NULL)')
  const admin = new Kafka({ brokers: kafka.brokers, logLevel: logLevel.NOTHING }).admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }], waitForLeaders: true })
  await admin.disconnect()
}, 240_000)

afterAll(async () => {
  for (const close of closers.reverse()) await close()
  await pool?.end()
  await Promise.all([server?.stop(), kafka?.stop(), redis?.stop()])
})

/** Writes the row and its event in one transaction, as a service does; returns the WAL around it. */
async function write(sql: string, price: number): Promise<{ before: string; after: string }> {
  const lsn = async () =>
    (await pool.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0]!.lsn
  const before = await lsn()
  const tx = await pool.connect()
  try {
    await tx.query('BEGIN')
    await tx.query(sql, [PRODUCT, price])
    await appendEvents(tx, [
      {
        aggregateType: 'product',
        aggregateId: PRODUCT,
        type: 'catalog.product.changed',
        payload: { price },
      },
    ])
    await tx.query('COMMIT')
  } finally {
    tx.release()
  }
  return { before, after: await lsn() }
}

/** A service node: its own Redis clients and L1, and a loader that reports the row's version. */
function node() {
  const store = createRedisStore({ url: redis.url })
  const bus = createRedisBus({ url: redis.url })
  const cache = createCache({ store, bus, l1: {}, ttlMs: 600_000 })
  closers.push(
    () => store.close(),
    () => bus.close(),
    () => cache.close(),
  )
  let loads = 0
  const load = async (ctx: LoaderContext) => {
    loads += 1
    const sql = 'SELECT price, version FROM products WHERE id = $1'
    const row = (await pool.query<{ price: number; version: number }>(sql, [PRODUCT])).rows[0]
    ctx.report({ version: row?.version })
    return row
  }
  const read = async () => (await cache.getOrLoad(KEY, load))?.version
  return { cache, read, loads: () => loads }
}

interface Handled {
  readonly event: ConsumedEvent
  readonly result: EventChangeResult
}

/** sync-kit's consumer whose handler is applyEvent() on `cache`; every group reads from offset 0. */
async function consume(groupId: string, cache: ReturnType<typeof node>['cache']) {
  const handled: Handled[] = []
  const deadLetters = createKafkaPublisher({ brokers: kafka.brokers })
  const consumer = createConsumer({
    groupId,
    topics: [TOPIC],
    handlers: {
      'catalog.product.changed': async (_tx, event) => {
        handled.push({ event, result: await applyEvent(cache, event, { key: KEY }) })
      },
    },
    consumer: createKafkaEventConsumer({ brokers: kafka.brokers }),
    db: createPostgresConsumerStore({ pool }),
    deadLetters,
  })
  await consumer.start()
  closers.push(
    () => consumer.stop(),
    () => deadLetters.close(),
  )
  const at = (sequence: number) => handled.find((h) => h.event.sequence === sequence)
  return { handled, at }
}

describe('@faultline/cache-kit/sync-kit through real Postgres, Kafka and Redis', () => {
  test('a row written with appendEvents, relayed and consumed, moves both nodes from v1 to v2; a replay of v1 does not roll it back', async () => {
    const publisher = createKafkaPublisher({ brokers: kafka.brokers })
    const relay = createLogicalRelay({
      connection: url,
      publisher,
      topic: () => TOPIC,
      slot: 'cache_sync',
      publication: 'cache_sync',
    })
    // The relay streams only what commits after its slot exists: start it before writing.
    await relay.start()
    closers.push(
      () => relay.stop(),
      () => publisher.close(),
    )
    const [a, b] = [node(), node()]

    await write('INSERT INTO products (id, price, version) VALUES ($1, $2, 1)', 100)
    expect([await a.read(), await b.read()]).toStrictEqual([1, 1])
    const v2 = await write(
      'UPDATE products SET price = $2, version = version + 1 WHERE id = $1',
      90,
    )
    // No consumer yet: nothing told the caches, so both still serve v1 from L1.
    expect([await a.read(), await b.read()]).toStrictEqual([1, 1])

    const live = await consume('catalog.cache', a.cache)
    await until('the v2 event is applied', () => live.at(2) !== undefined)
    const { event, result } = live.at(2)!
    expect(result.applied).toBe(true)
    expect(result.changes[0]?.watermark).toStrictEqual({ version: 2, lsn: event.commitLsn })
    expect(compareLsn(v2.before, event.commitLsn!)).toBeLessThan(0)
    expect(compareLsn(event.commitLsn!, v2.after)).toBeLessThanOrEqual(0)
    expect(await a.read()).toBe(2) // applyChange resolved: this node's next read is v2
    await until('node b drops its L1 entry (the bus)', async () => (await b.read()) === 2)

    // A second group reads the topic from the start: Kafka redelivers v1, then v2.
    const loads = a.loads() + b.loads()
    const replay = await consume('catalog.cache.replay', a.cache)
    await until('the replay reaches v2', () => replay.at(2) !== undefined)
    expect(replay.at(1)?.result).toStrictEqual({
      applied: false,
      changes: [{ applied: false, watermark: { version: 2, lsn: event.commitLsn } }],
    })
    expect([await a.read(), await b.read()]).toStrictEqual([2, 2])
    expect(a.loads() + b.loads()).toBe(loads) // the replay did not even void the entry
  }, 240_000)
})
