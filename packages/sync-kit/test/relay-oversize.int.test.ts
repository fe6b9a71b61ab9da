import pg from 'pg'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startKafka, startPostgres, type KafkaHandle, type PostgresHandle } from '@faultline/infra'
import {
  appendEvents,
  createLogicalRelay,
  createPollingRelay,
  isSyncKitError,
  migrateSyncKit,
  type NewEvent,
  type RejectedEventReport,
} from '@faultline/sync-kit'
import { createKafkaPublisher, type KafkaPublisher } from '@faultline/sync-kit/kafka'
import { ev, inTx, waitFor } from './support/pg.js'
import { createTopic, readTopic, readTopicRaw } from './support/kafka.js'

/** A valid event whose message is 2 MiB: twice what a broker takes by default. */
const BIG_BYTES = 2 * 1024 * 1024
const bigEvent = (aggregateType: string, id: string): NewEvent => ({
  aggregateType,
  aggregateId: id,
  type: `${aggregateType}.changed`,
  payload: { blob: 'x'.repeat(BIG_BYTES) },
})

let pgServer: PostgresHandle
let kafka: KafkaHandle
let publisher: KafkaPublisher

beforeAll(async () => {
  ;[pgServer, kafka] = await Promise.all([startPostgres(), startKafka()])
  publisher = createKafkaPublisher({ brokers: kafka.brokers })
}, 180_000)

afterAll(async () => {
  await publisher?.close()
  await Promise.all([pgServer?.stop(), kafka?.stop()])
})

async function database(name: string): Promise<{ url: string; pool: pg.Pool }> {
  const { url } = await pgServer.createDatabase(name)
  const pool = new pg.Pool({ connectionString: url, max: 4 })
  pool.on('error', () => undefined) // the server stops under idle clients in afterAll
  await migrateSyncKit(pool)
  return { url, pool }
}

/**
 * One small event, then a 2 MiB one (written by a service whose configured limit is wrong, so
 * appendEvents lets it through), then two small events behind it (one of the same aggregate).
 * Returns the WAL position just past the big event's commit.
 */
async function writeAroundABigEvent(pool: pg.Pool, type: string) {
  await inTx(pool, (c) => appendEvents(c, [ev('o-1', 1, type)]))
  const [big] = await inTx(pool, (c) =>
    appendEvents(c, [bigEvent(type, 'o-2')], { maxMessageBytes: Infinity }),
  )
  const lsn = await pool.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')
  const behind = await inTx(pool, (c) => appendEvents(c, [ev('o-1', 2, type), ev('o-3', 3, type)]))
  return { bigId: big!.id, afterBigLsn: lsn.rows[0]!.lsn, behindIds: behind.map((e) => e.id) }
}

/** What went where: the events behind the big one on their topic, and the invalid-row record. */
async function outcome(topic: string, invalidTopic: string, behindIds: readonly string[]) {
  const onTopic = new Set((await readTopic(kafka.brokers, topic)).map((m) => m.envelope.id))
  const records = await readTopicRaw(kafka.brokers, invalidTopic).catch(() => [])
  return { behindPublished: behindIds.filter((id) => onTopic.has(id)).length, records }
}

/** The invalid-row record of a refused event: coordinates, size and error, no payload. */
function expectRecordOf(record: { value: Buffer; headers: Record<string, string> }, id: string) {
  expect(record.value.length).toBeLessThan(8 * 1024)
  expect(record.headers).toMatchObject({
    'fl-error-code': 'E_SYNC_MESSAGE_TOO_LARGE',
    'fl-event-id': id,
  })
  const body = JSON.parse(record.value.toString()) as Record<string, unknown>
  expect(body).toMatchObject({ payloadOmitted: true, fields: { id, aggregateId: 'o-2' } })
  expect(body.bytes).toBeGreaterThan(BIG_BYTES)
  expect(String(body.error)).toMatch(/MESSAGE_TOO_LARGE/)
}

describe('appendEvents and the message size limit', () => {
  test('refuses at write time an event the configured limit can never carry, before any SQL', async () => {
    const { pool } = await database('oversize_append')
    const client = await pool.connect()
    try {
      await client.query('BEGIN')
      const err: unknown = await appendEvents(client, [bigEvent('doc', 'd-1')]).catch(
        (e: unknown) => e,
      )
      expect(isSyncKitError(err, 'E_SYNC_MESSAGE_TOO_LARGE')).toBe(true)
      const message = (err as Error).message
      for (const part of ['1048588', 'maxMessageBytes', 'message.max.bytes', 'max.message.bytes']) {
        expect(message).toContain(part)
      }
      // No statement ran, so the transaction is still usable.
      await appendEvents(client, [ev('d-1', 1, 'doc')])
      const raised = await appendEvents(client, [bigEvent('doc', 'd-2')], {
        maxMessageBytes: 3 * 1024 * 1024,
      })
      await client.query('COMMIT')
      expect(raised).toHaveLength(1)
    } finally {
      client.release()
      await pool.end()
    }
  })
})

describe('a valid event larger than the broker takes', () => {
  test('relay A: sends a record of it to the invalid-row topic, publishes the events behind it and moves the slot past it', async () => {
    const { url, pool } = await database('oversize_a')
    const rejected: RejectedEventReport[] = []
    const relay = createLogicalRelay({
      connection: url,
      publisher,
      slot: 's_oversize',
      publication: 'p_oversize',
      invalidTopic: 'oversize-a.invalid',
      retryDelayMs: 20,
      maxRetryDelayMs: 100,
      statusIntervalMs: 100,
      onRejected: (r) => rejected.push(r),
    })
    await relay.start()
    const { bigId, afterBigLsn, behindIds } = await writeAroundABigEvent(pool, 'ordera')
    const slotPastBig = async () => {
      const r = await pool.query<{ past: boolean }>(
        `SELECT confirmed_flush_lsn >= $1::pg_lsn AS past FROM pg_replication_slots
          WHERE slot_name = 's_oversize'`,
        [afterBigLsn],
      )
      return r.rows[0]?.past === true
    }
    // Bounded work: either the events behind the big one are out and the slot moved past it,
    // or the relay has failed 30 publishes of the same batch.
    await waitFor(
      async () =>
        relay.stats().publishFailures >= 30 ||
        (relay.stats().publishedEvents >= 3 && (await slotPastBig())),
      120_000,
    )
    const stats = relay.stats()
    await relay.stop()
    const seen = await outcome('outbox.event.ordera', 'oversize-a.invalid', behindIds)
    expect({
      behindPublished: seen.behindPublished,
      slotPastBig: await slotPastBig(),
      records: seen.records.length,
      rejectedEvents: stats.rejectedEvents,
      alarms: rejected.map((r) => r.eventId),
    }).toEqual({
      behindPublished: 2,
      slotPastBig: true,
      records: 1,
      rejectedEvents: 1,
      alarms: [bigId],
    })
    expectRecordOf(seen.records[0]!, bigId)
    await pool.end()
  })

  test('relay B: sends a record of it to the invalid-row topic and delivers every row behind it', async () => {
    const { url, pool } = await database('oversize_b')
    const rejected: RejectedEventReport[] = []
    const relay = createPollingRelay({
      connection: url,
      publisher,
      invalidTopic: 'oversize-b.invalid',
      pollIntervalMs: 20,
      retryDelayMs: 20,
      maxRetryDelayMs: 100,
      onRejected: (r) => rejected.push(r),
    })
    await relay.start()
    const { bigId, behindIds } = await writeAroundABigEvent(pool, 'orderb')
    const undelivered = async () => {
      const r = await pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM sync_outbox WHERE delivered_at IS NULL',
      )
      return r.rows[0]!.n
    }
    await waitFor(
      async () => relay.stats().publishFailures >= 30 || (await undelivered()) === 0,
      120_000,
    )
    const stats = relay.stats()
    await relay.stop()
    const seen = await outcome('outbox.event.orderb', 'oversize-b.invalid', behindIds)
    expect({
      behindPublished: seen.behindPublished,
      undelivered: await undelivered(),
      records: seen.records.length,
      rejectedEvents: stats.rejectedEvents,
      alarms: rejected.map((r) => r.eventId),
    }).toEqual({
      behindPublished: 2,
      undelivered: 0,
      records: 1,
      rejectedEvents: 1,
      alarms: [bigId],
    })
    expectRecordOf(seen.records[0]!, bigId)
    await pool.end()
  })

  test('with the topic limit raised as the README says, relay A publishes the same event whole', async () => {
    const { url, pool } = await database('oversize_raised')
    await createTopic(kafka.brokers, 'outbox.event.bigdoc', 1, { 'max.message.bytes': '3145728' })
    const relay = createLogicalRelay({
      connection: url,
      publisher,
      slot: 's_raised',
      publication: 'p_raised',
      invalidTopic: 'oversize-raised.invalid',
    })
    await relay.start()
    await inTx(pool, (c) =>
      appendEvents(c, [bigEvent('bigdoc', 'b-1')], { maxMessageBytes: 3145728 }),
    )
    await waitFor(() => relay.stats().publishedEvents >= 1, 120_000)
    await relay.stop()
    const [message] = await readTopic(kafka.brokers, 'outbox.event.bigdoc')
    expect(message!.value.length).toBeGreaterThan(BIG_BYTES)
    expect(relay.stats().rejectedEvents).toBe(0)
    await pool.end()
  })
})
