import { Kafka, logLevel } from 'kafkajs'
import pg from 'pg'
import {
  debeziumOutboxConnector,
  startKafkaConnect,
  type DebeziumOutboxTuning,
  type JvmProfile,
} from '@faultline/infra'

/** Where Debezium reads and writes. */
export interface DebeziumTarget {
  /** Database holding sync-kit's `sync_outbox` (after `migrate()`). */
  pgUrl: string
  brokers: string[]
  /** Replication slot name; the publication is `<slot>_pub`. */
  slot: string
  /** Existing topic (the bench's LogAppendTime topic) that every event goes to. */
  topic: string
  /** Overrides of DEBEZIUM_OUTBOX_TUNING. */
  tuning?: Partial<DebeziumOutboxTuning>
  /**
   * JVM profile of the worker. `fast-start` (C1 only): on this 2-core machine C2's compiler
   * threads slowed 20,000-event drains 1.7–3x (see KafkaConnectOptions.jvm). @default 'fast-start'
   */
  jvm?: JvmProfile
}

/** Debezium while it runs: the shape of systems.ts's RunningSystem. */
export interface RunningDebezium {
  /** Messages on the topic now: the sum of its end offsets, one admin round trip. */
  published(): Promise<number>
  /** Stops the worker (Debezium drops its slot) and the admin client. */
  stop(): Promise<void>
}

/**
 * Creates Debezium's publication and slot without streaming, so that a prefill committed
 * afterwards is streamed when {@link startDebezium} runs (the connector never snapshots). The
 * publication comes first: pgoutput looks it up as of each change, so a publication created
 * after the rows would not cover them.
 */
export async function prepareDebezium(target: Pick<DebeziumTarget, 'pgUrl' | 'slot'>) {
  const client = new pg.Client({ connectionString: target.pgUrl })
  await client.connect()
  try {
    await client.query(
      `CREATE PUBLICATION ${target.slot}_pub FOR TABLE public.sync_outbox WITH (publish = 'insert')`,
    )
    await client.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [target.slot])
  } finally {
    await client.end()
  }
}

/** Sum of the topic's end offsets, read through one admin client that stays connected. */
async function offsetCounter(brokers: string[], topic: string) {
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin()
  await admin.connect()
  const count = async () =>
    (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0)
  return { count, close: () => admin.disconnect() }
}

/**
 * Starts Kafka Connect with the Debezium outbox connector (pgoutput, `snapshot.mode=no_data`,
 * EventRouter: key = aggregateid, value = payload, event id in the `fl-event-id` header) and
 * resolves once its task is RUNNING, with a 1 GB heap. The producer is acks=all and idempotent,
 * like sync-kit's. Debezium counts nothing the bench can read, so `published()` counts the
 * topic's messages: the topic must be empty at start and written by nothing else.
 *
 * The messages are Debezium's, not sync-kit envelopes: the value is the payload alone and the
 * metadata rides in headers, so sync-kit's consumer (the read model) dead-letters them.
 */
export async function startDebezium(target: DebeziumTarget): Promise<RunningDebezium> {
  const connector = debeziumOutboxConnector({
    pgUrl: target.pgUrl,
    slot: target.slot,
    publication: `${target.slot}_pub`,
    topic: target.topic,
    dropSlotOnStop: true,
    tuning: target.tuning,
  })
  const counter = await offsetCounter(target.brokers, target.topic)
  const connect = await startKafkaConnect({
    brokers: target.brokers,
    connector,
    jvm: target.jvm ?? 'fast-start',
    heapMb: 1024,
  }).catch(async (error: unknown) => {
    await counter.close()
    throw error
  })
  return {
    published: counter.count,
    stop: async () => {
      await counter.close()
      await connect.stop()
    },
  }
}

/**
 * Debezium as a bench system, structurally a systems.ts `RelaySystem`: `prepare` creates the
 * publication and slot before the prefill, `start` runs the worker on the step's topic.
 */
export const debezium = {
  name: 'Debezium (Connect + outbox router)',
  envelopes: false,
  inBenchProcess: false,
  prepare: (db: { url: string; slot: string }) => prepareDebezium({ pgUrl: db.url, slot: db.slot }),
  start: (db: { url: string; slot: string; brokers: string[] }, topic: string) =>
    startDebezium({ pgUrl: db.url, brokers: db.brokers, slot: db.slot, topic }),
}
