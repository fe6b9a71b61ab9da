import pg from 'pg'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startKafka, startPostgres, type KafkaHandle, type PostgresHandle } from '@faultline/infra'
import { createLogicalRelay, parseLsn, readSlotStatus } from '@faultline/sync-kit'
import { createKafkaPublisher } from '@faultline/sync-kit/kafka'
import { spawnRelay } from './support/child.js'
import { compareWithOutbox, createTopic, readTopic } from './support/kafka.js'
import { outboxRows, waitFor, writeLoad } from './support/pg.js'
import { startReadModel } from './support/read-model.js'
import { startWriter } from './support/writer.js'

let pgServer: PostgresHandle
let kafka: KafkaHandle
let url: string
let readModelUrl: string
let pool: pg.Pool

beforeAll(async () => {
  ;[pgServer, kafka] = await Promise.all([startPostgres(), startKafka()])
  url = (await pgServer.createDatabase('relay_crash')).url
  readModelUrl = (await pgServer.createDatabase('read_model')).url
  pool = new pg.Pool({ connectionString: url, max: 6 })
  pool.on('error', () => undefined) // the server stops under idle clients in afterAll
  const { migrateSyncKit } = await import('@faultline/sync-kit')
  await migrateSyncKit(pool)
})

afterAll(async () => {
  await pool?.end()
  await Promise.all([pgServer?.stop(), kafka?.stop()])
})

/** Runs an in-process, well-behaved relay until the slot has acknowledged all current WAL. */
async function drain(slot: string, publication: string, topic: string): Promise<void> {
  const publisher = createKafkaPublisher({ brokers: kafka.brokers })
  const relay = createLogicalRelay({
    connection: url,
    publisher,
    slot,
    publication,
    topic: () => topic,
    statusIntervalMs: 100,
    slotWaitMs: 20_000,
  })
  await relay.start()
  const r = await pool.query<{ l: string }>('SELECT pg_current_wal_lsn()::text AS l')
  const target = parseLsn(r.rows[0]!.l)
  await waitFor(
    async () => parseLsn((await readSlotStatus(pool, slot)).confirmedFlushLsn ?? 0n) >= target,
    60_000,
  )
  await relay.stop()
  await publisher.close()
}

/** Events the random-kill test's writer commits (transactions of 1–4, so it may overshoot by 3). */
const WRITER_EVENTS = 2_000

describe('LogicalRelay crashes (relay in a child process, real Kafka)', () => {
  test('SIGKILLed at random points 20 times while a writer commits: every event in Kafka in per-aggregate order, and the read model applies each exactly once', async () => {
    const topic = 'crash.events'
    await createTopic(kafka.brokers, topic, 3)
    const cfg = { url, brokers: kafka.brokers, slot: 's_crash', publication: 'p_crash', topic }
    let writer: ReturnType<typeof startWriter> | undefined
    let seed = 42
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
    let receivedBeforeKills = 0
    for (let i = 0; i < 20; i++) {
      const child = spawnRelay(cfg)
      await child.ready
      // The slot streams only what commits after it exists (older rows are backfill's job).
      // 2,000 events, however long the kills take: the read model applies them one by one.
      writer ??= startWriter(pool, 25, 25, WRITER_EVENTS)
      await new Promise((r) => setTimeout(r, 100 + Math.floor(random() * 900)))
      receivedBeforeKills += child.received()
      await child.kill()
    }
    await writer!.finished()
    await drain(cfg.slot, cfg.publication, topic)

    const outbox = await outboxRows(pool)
    const read = await readTopic(kafka.brokers, topic)
    const result = compareWithOutbox(read, outbox)
    console.log(
      `[relay-crash] 20 SIGKILLs; ${outbox.length} events committed; ${read.length} messages in Kafka ` +
        `(${result.duplicates} duplicates); children reported ${receivedBeforeKills} received`,
    )
    expect(writer!.committed).toBe(outbox.length)
    expect(outbox.length).toBeGreaterThan(300)
    expect(receivedBeforeKills).toBeGreaterThan(0)
    expect(result.missing).toEqual([])
    expect(result.orderViolations).toEqual([])

    // The consumer side applies each event exactly once, in order: read model vs outbox.
    const rm = await startReadModel(readModelUrl, kafka.brokers, topic)
    await waitFor(async () => (await rm.applied()) >= outbox.length, 90_000).catch(() => undefined)
    const applied = await rm.rows()
    await rm.stop()
    console.log(`[relay-crash] read model applied ${applied.length} of ${outbox.length} events`)
    expect(applied.length).toBe(outbox.length)
    expect(new Set(applied)).toEqual(new Set(outbox.map((r) => r.id)))
  }, 240_000)

  test('killed after receiving but before Kafka acked: nothing lost; an ack-on-receipt relay loses those events', async () => {
    const outcomes: Record<string, ReturnType<typeof compareWithOutbox>> = {}
    for (const mode of ['durable', 'on-receipt'] as const) {
      const topic = `ack.${mode}`
      await createTopic(kafka.brokers, topic, 3)
      const slot = `s_ack_${mode === 'durable' ? 'd' : 'u'}`
      const cfg = {
        url,
        brokers: kafka.brokers,
        slot,
        publication: 'p_crash',
        topic,
        unsafe: mode === 'on-receipt',
        stallPublishAfter: 10,
        reportStatuses: true,
      }
      // Fresh slot positioned at the current WAL end, so only this round's events count.
      const before = await outboxRows(pool)
      const child = spawnRelay(cfg)
      await child.ready
      // 10 events reach Kafka; after that the broker never acknowledges again.
      await writeLoad(pool, 5, 2, 10)
      await waitFor(() => child.published() >= 10)
      await writeLoad(pool, 40, 3, 10)
      const expected = (await outboxRows(pool)).length - before.length
      await waitFor(() => child.received() >= expected)
      // Several status updates after the last receipt: whatever this relay acknowledges for the
      // events it holds, Postgres has been told before the kill.
      const statuses = child.statuses()
      await waitFor(() => child.statuses() >= statuses + 3, 30_000, 'three status updates')
      await child.kill()
      await drain(slot, 'p_crash', topic)
      const ids = new Set(before.map((r) => r.id))
      const round = (await outboxRows(pool)).filter((r) => !ids.has(r.id))
      outcomes[mode] = compareWithOutbox(await readTopic(kafka.brokers, topic), round)
    }
    console.log(
      `[relay-crash] ack discipline: durable missing ${outcomes.durable!.missing.length}, ` +
        `ack-on-receipt missing ${outcomes['on-receipt']!.missing.length}`,
    )
    expect(outcomes.durable!.missing).toEqual([])
    expect(outcomes['on-receipt']!.missing.length).toBeGreaterThan(0)
  })
})
