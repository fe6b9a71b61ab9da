import kafkajs from 'kafkajs'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  debeziumOutboxConnector,
  isInfraError,
  startKafka,
  startKafkaConnect,
  startPostgres,
  type KafkaHandle,
  type PostgresHandle,
} from '@faultline/infra'
import { errorLines } from '../src/connect/connect-log.js'
import { queryOnce, withDatabase } from '../src/postgres/pg-query.js'
import { readTopic } from './kafka.helpers.js'

const { Kafka, logLevel } = kafkajs
const TOPIC = 'outbox.events'

/**
 * sync-kit's outbox columns (packages/sync-kit/src/migrations/outbox.ts), written out here
 * because infra cannot depend on sync-kit (sync-kit's tests depend on infra).
 */
const OUTBOX_TABLE = `
  CREATE TABLE sync_outbox (
    position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, id uuid NOT NULL UNIQUE,
    aggregatetype text NOT NULL, aggregateid text NOT NULL, type text NOT NULL,
    version integer NOT NULL, sequence bigint NOT NULL, payload jsonb NOT NULL,
    headers jsonb NOT NULL DEFAULT '{}'::jsonb, occurred_at timestamptz NOT NULL DEFAULT now(),
    xid xid8 NOT NULL DEFAULT pg_current_xact_id(), delivered_at timestamptz)`

interface Row {
  readonly id: string
  readonly aggregateid: string
  readonly payload: { n: number; note: string }
}

/** Inserts `count` events over three aggregates, five per transaction; returns them as stored. */
async function insertEvents(url: string, count: number): Promise<Row[]> {
  const rows: Row[] = []
  for (let first = 0; first < count; first += 5) {
    const n = Array.from({ length: Math.min(5, count - first) }, (_, k) => first + k)
    rows.push(
      ...(await queryOnce<Row>(
        url,
        `INSERT INTO sync_outbox (id, aggregatetype, aggregateid, type, version, sequence, payload)
         SELECT gen_random_uuid(), 'order', 'order-' || (n % 3), 'order.placed', 1, n + 1,
                jsonb_build_object('n', n, 'note', 'ünïcode & "quotes"')
           FROM unnest($1::int[]) AS n
         RETURNING id::text, aggregateid, payload`,
        [n],
      )),
    )
  }
  return rows
}

interface Received {
  readonly key: string
  readonly value: string
  readonly headers: Record<string, string>
}

/** Reads the topic from the start until `count` messages arrived. */
async function consume(brokers: string[], count: number): Promise<Received[]> {
  const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING })
  const messages = await readTopic(kafka, TOPIC, (seen) => seen.length >= count)
  return messages.map((m) => {
    const headers: Record<string, string> = {}
    for (const [k, v] of Object.entries(m.headers ?? {})) headers[k] = String(v)
    return { key: m.key?.toString() ?? '', value: m.value?.toString() ?? '', headers }
  })
}

async function topicSize(brokers: string[]): Promise<number> {
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin()
  await admin.connect()
  try {
    const offsets = await admin.fetchTopicOffsets(TOPIC)
    return offsets.reduce((sum, o) => sum + Number(o.high), 0)
  } finally {
    await admin.disconnect()
  }
}

/** Starts a worker whose connector must fail; returns the error (a started worker is stopped). */
async function failingStart(brokers: string[], pgUrl: string, slot: string): Promise<Error> {
  const connector = debeziumOutboxConnector({
    pgUrl,
    slot,
    publication: `${slot}_pub`,
    topic: TOPIC,
  })
  const error = await startKafkaConnect({ brokers, connector, readyTimeoutMs: 60_000 }).then(
    async (handle) => {
      await handle.stop()
      return new Error('startKafkaConnect() resolved')
    },
    (e: unknown) => e,
  )
  if (!isInfraError(error)) throw error
  return error
}

describe('startKafkaConnect() with the Debezium outbox connector', () => {
  let pgServer: PostgresHandle
  let kafka: KafkaHandle
  let url: string

  beforeAll(async () => {
    ;[pgServer, kafka] = await Promise.all([startPostgres(), startKafka()])
    url = (await pgServer.createDatabase('connect_it')).url
    await queryOnce(url, OUTBOX_TABLE)
    const admin = new Kafka({ brokers: kafka.brokers, logLevel: logLevel.NOTHING }).admin()
    await admin.connect()
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 3 }], waitForLeaders: true })
    await admin.disconnect()
  })
  afterAll(async () => {
    await Promise.all([pgServer?.stop(), kafka?.stop()])
  })

  test('streams committed outbox rows to the topic: key = aggregateid, value = payload', async () => {
    const connector = debeziumOutboxConnector({
      pgUrl: url,
      slot: 'it_outbox',
      publication: 'it_outbox_pub',
      topic: TOPIC,
      dropSlotOnStop: true,
    })
    const started = performance.now()
    const connect = await startKafkaConnect({ brokers: kafka.brokers, connector })
    console.log(
      `[connect] worker + connector RUNNING in ${Math.round(performance.now() - started)} ms`,
    )
    try {
      const status = await connect.status()
      expect(status.connector.state).toBe('RUNNING')
      expect(status.tasks.map((t) => t.state)).toEqual(['RUNNING'])
      // A clean start logs no ERROR (Jackson duplicated into the plugin dir logs one).
      expect(errorLines(await connect.logs(5_000))).toEqual([])

      const rows = await insertEvents(url, 30)
      const received = await consume(kafka.brokers, rows.length)
      const byId = new Map(received.map((m) => [m.headers['fl-event-id'], m]))
      for (const row of rows) {
        const message = byId.get(row.id)
        expect(message?.key).toBe(row.aggregateid)
        expect(JSON.parse(message?.value ?? 'null')).toEqual(row.payload)
        expect(message?.headers).toMatchObject({
          aggregateType: 'order',
          eventType: 'order.placed',
          eventVersion: '1',
          eventHeaders: '{}',
        })
        expect(Date.parse(message?.headers.occurredAt ?? '')).not.toBeNaN()
      }
      expect(await topicSize(kafka.brokers)).toBe(rows.length)
    } finally {
      await connect.stop()
    }
    // A graceful stop let Debezium drop its slot (dropSlotOnStop), and the worker is gone.
    const slots = await queryOnce(url, 'SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [
      'it_outbox',
    ])
    expect(slots).toEqual([])
    await expect(fetch(`${connect.url}/connectors`)).rejects.toThrow()
  })

  test('a connector config the database rejects fails with the reason, not a timeout', async () => {
    const error = await failingStart(kafka.brokers, withDatabase(url, 'no_such_db'), 'it_bad_db')
    expect(error).toMatchObject({ code: 'E_INFRA_STARTUP_FAILED' })
    // Connect 4.3.1 ends this log in an NPE of its own; the reason is logged further up.
    expect(error.message).toContain('database "no_such_db" does not exist')
  })

  test('a task that goes FAILED ends the wait at once, with its cause', async () => {
    const { url: empty } = await pgServer.createDatabase('connect_it_no_outbox')
    const error = await failingStart(kafka.brokers, empty, 'it_no_table')
    // Without the FAILED check the wait would end in E_INFRA_STARTUP_TIMEOUT a minute later.
    expect(error).toMatchObject({ code: 'E_INFRA_STARTUP_FAILED' })
    expect(error.message).toMatch(/task 0 of connector "debezium-outbox" FAILED/)
    expect(error.message).toContain('No table filters found for filtered publication')
  })
})
