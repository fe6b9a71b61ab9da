import pg from 'pg'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { compareLsn, isLsn } from '@faultline/common'
import { startKafka, startPostgres, type KafkaHandle, type PostgresHandle } from '@faultline/infra'
import {
  HEADER_AGGREGATE_VERSION,
  HEADER_COMMIT_LSN,
  appendEvents,
  createConsumer,
  createLogicalRelay,
  createPollingRelay,
  createPostgresConsumerStore,
  migrateSyncKit,
  type ConsumedEvent,
} from '@faultline/sync-kit'
import { createKafkaEventConsumer, createKafkaPublisher } from '@faultline/sync-kit/kafka'
import { createTopic, readTopicRaw } from './support/kafka.js'
import { ev, inTx, waitFor } from './support/pg.js'

let server: PostgresHandle
let kafka: KafkaHandle
const pools: pg.Pool[] = []

beforeAll(async () => {
  ;[server, kafka] = await Promise.all([startPostgres(), startKafka()])
})

afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()))
  await Promise.all([server?.stop(), kafka?.stop()])
})

async function database(name: string): Promise<{ url: string; pool: pg.Pool }> {
  const { url } = await server.createDatabase(name)
  const pool = new pg.Pool({ connectionString: url, max: 4 })
  pool.on('error', () => undefined) // the server stops under idle clients in afterAll
  pools.push(pool)
  await migrateSyncKit(pool)
  return { url, pool }
}

async function currentLsn(pool: pg.Pool): Promise<string> {
  const r = await pool.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')
  return r.rows[0]!.lsn
}

type RelayKind = 'logical' | 'polling'

function relayFor(kind: RelayKind, url: string, topic: string) {
  const publisher = createKafkaPublisher({ brokers: kafka.brokers })
  const common = { connection: url, publisher, topic: () => topic }
  const relay =
    kind === 'logical'
      ? createLogicalRelay({ ...common, slot: 'commit_lsn', publication: 'commit_lsn' })
      : createPollingRelay({ ...common, pollIntervalMs: 20 })
  return { relay, publisher }
}

describe('fl-commit-lsn, end to end through Kafka', () => {
  test.each<RelayKind>(['logical', 'polling'])(
    'relay %s: every message carries its commit LSN and aggregate version, and the handler sees event.commitLsn',
    async (kind) => {
      const { url, pool } = await database(`commit_lsn_${kind}`)
      const topic = `commit-lsn-${kind}`
      await createTopic(kafka.brokers, topic, 3)
      const { relay, publisher } = relayFor(kind, url, topic)
      const seen = new Map<string, ConsumedEvent>()
      const consumer = createConsumer({
        groupId: `commit-lsn-${kind}`,
        topics: [topic],
        handlers: {
          'order.changed': (_tx, event) => {
            seen.set(event.id, event)
            return Promise.resolve()
          },
        },
        consumer: createKafkaEventConsumer({ brokers: kafka.brokers }),
        db: createPostgresConsumerStore({ pool }),
        deadLetters: publisher,
      })
      // Relay A streams only what commits after its slot exists: start it before writing.
      await relay.start()
      await consumer.start()
      const before = await currentLsn(pool)
      try {
        // Three transactions, so the relays see three distinct commits.
        for (let t = 0; t < 3; t++) {
          await inTx(pool, (tx) => appendEvents(tx, [ev('a', t), ev('b', t)]))
        }
        await waitFor(() => seen.size >= 6, 120_000)
      } finally {
        await consumer.stop()
        await relay.stop()
        await publisher.close()
      }
      const after = await currentLsn(pool)
      for (const event of seen.values()) {
        expect(isLsn(event.commitLsn)).toBe(true)
        expect(compareLsn(before, event.commitLsn!)).toBeLessThan(0)
        expect(compareLsn(event.commitLsn!, after)).toBeLessThanOrEqual(0)
      }
      // One transaction's events share its LSN; a later transaction never has an earlier one
      // (relay B reads the WAL position once per poll, so one poll's rows share it).
      const byAggregate = (agg: string) =>
        [...seen.values()]
          .filter((e) => e.aggregateId === agg)
          .sort((x, y) => x.sequence - y.sequence)
          .map((e) => e.commitLsn!)
      const [first, second] = [byAggregate('a'), byAggregate('b')]
      expect(first).toEqual(second)
      expect(compareLsn(first[0]!, first[1]!)).toBeLessThanOrEqual(0)
      expect(compareLsn(first[1]!, first[2]!)).toBeLessThanOrEqual(0)
      if (kind === 'logical') expect(new Set(first).size).toBe(3)
      for (const message of await readTopicRaw(kafka.brokers, topic)) {
        expect(isLsn(message.headers[HEADER_COMMIT_LSN])).toBe(true)
        const envelope = JSON.parse(message.value.toString()) as { sequence: number }
        expect(message.headers[HEADER_AGGREGATE_VERSION]).toBe(String(envelope.sequence))
      }
    },
    240_000,
  )
})
