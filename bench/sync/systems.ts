import { Kafka, Partitioners, logLevel } from 'kafkajs'
import type pg from 'pg'
import type { StackCpu } from '../common/cpu-sampler.js'
import {
  createLogicalRelay,
  createMemoryPublisher,
  createPollingRelay,
  encodeEnvelope,
  uuidv7,
  type EventPublisher,
  type Logger,
} from '@faultline/sync-kit'
import { createKafkaPublisher } from '@faultline/sync-kit/kafka'

/** One outbox database prepared for a run. */
export interface BenchDb {
  readonly url: string
  readonly pool: pg.Pool
  /** Replication slot (and publication) name for systems that stream. */
  readonly slot: string
  readonly brokers: string[]
}

/** A system under test while it runs. */
export interface RunningSystem {
  /** Events it has put on the broker so far. */
  published(): Promise<number>
  stop(): Promise<void>
}

/** A system under test: something that moves outbox rows to a Kafka topic. */
export interface RelaySystem {
  readonly name: string
  /**
   * Whether the messages are sync-kit envelopes a sync-kit consumer can apply. Debezium's outbox
   * router sends the payload as the value and the other fields as headers, so it gets no read
   * model here.
   */
  readonly envelopes: boolean
  /** Whether it runs inside the bench process, whose CPU is then its CPU. */
  readonly inBenchProcess: boolean
  /** Makes the database ready before events are written (e.g. creates the slot). */
  prepare(db: BenchDb): Promise<void>
  /** Starts moving events to `topic`; resolves once it streams or polls. */
  start(db: BenchDb, topic: string): Promise<RunningSystem>
}

/**
 * Prints a relay's (and its publisher's) warnings and errors to the bench log with the time, so
 * that a step that stalls can be explained afterwards (publish retries, stalls, reconnects).
 */
function benchLogger(system: string): Logger {
  const print = (level: string) => (fields: Record<string, unknown> | string, message?: string) =>
    console.error(
      typeof fields === 'string'
        ? `${new Date().toISOString()} ${system} ${level}: ${fields}`
        : `${new Date().toISOString()} ${system} ${level}: ${message ?? ''} ${JSON.stringify(fields)}`,
    )
  return {
    debug: () => undefined,
    info: () => undefined,
    warn: print('warn'),
    error: print('error'),
  }
}

/** Starts a sync-kit relay on its own Kafka publisher; stopping it closes both. */
async function runRelay(
  db: BenchDb,
  logger: Logger,
  create: (publisher: EventPublisher) => {
    start(): Promise<void>
    stop(): Promise<void>
    stats(): { publishedEvents: number; publishFailures: number }
  },
): Promise<RunningSystem> {
  const publisher = createKafkaPublisher({ brokers: db.brokers, logger })
  const relay = create(publisher)
  await relay.start()
  return {
    published: () => Promise.resolve(relay.stats().publishedEvents),
    stop: async () => {
      const { publishFailures } = relay.stats()
      if (publishFailures > 0) logger.warn({ publishFailures }, 'publish failures in this run')
      await relay.stop()
      await publisher.close()
    },
  }
}

/** Relay A: sync-kit's logical-replication relay. */
export const relayA: RelaySystem = {
  name: 'relay A (pgoutput)',
  envelopes: true,
  inBenchProcess: true,
  async prepare(db) {
    const r = createLogicalRelay({
      connection: db.url,
      publisher: createMemoryPublisher(),
      slot: db.slot,
    })
    await r.start()
    await r.stop()
  },
  start: (db, topic) => {
    const logger = benchLogger('relay A')
    return runRelay(db, logger, (publisher) =>
      createLogicalRelay({
        connection: db.url,
        publisher,
        topic: () => topic,
        slot: db.slot,
        batchSize: 1000,
        logger,
      }),
    )
  },
}

/** Relay B: sync-kit's gap-free polling relay. */
export const relayB: RelaySystem = {
  name: 'relay B (polling)',
  envelopes: true,
  inBenchProcess: true,
  prepare: () => Promise.resolve(),
  start: (db, topic) => {
    const logger = benchLogger('relay B')
    return runRelay(db, logger, (publisher) =>
      createPollingRelay({
        connection: db.url,
        publisher,
        topic: () => topic,
        batchSize: 1000,
        pollIntervalMs: 20,
        logger,
      }),
    )
  },
}

/**
 * The limit: the same kafkajs producer settings as the relays (idempotent, acks=-1, one request
 * in flight), fed pre-encoded envelopes in batches of 1000 with nothing else to do.
 */
export async function rawProducer(
  brokers: string[],
  topic: string,
  total: number,
  sampleCpu: () => () => StackCpu,
): Promise<StackCpu> {
  const producer = new Kafka({ brokers, logLevel: logLevel.NOTHING }).producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  })
  await producer.connect()
  const messages = Array.from({ length: total }, (_, i) => {
    const m = encodeEnvelope({
      id: uuidv7(),
      aggregateType: 'bench',
      aggregateId: `agg-${i % 10_000}`,
      type: 'bench.happened',
      schemaVersion: 1,
      sequence: 1 + Math.floor(i / 10_000),
      payload: { i, note: 'a small payload of typical size for a domain event' },
      headers: {},
      occurredAt: new Date().toISOString(),
    })
    return { key: m.key, value: m.value, headers: { ...m.headers } }
  })
  const cpuUsed = sampleCpu()
  for (let i = 0; i < total; i += 1000) {
    await producer.sendBatch({
      acks: -1,
      topicMessages: [{ topic, messages: messages.slice(i, i + 1000) }],
    })
  }
  const cpu = cpuUsed()
  await producer.disconnect()
  return cpu
}

/** Commit time (ms since epoch) of every outbox row, from track_commit_timestamp. */
export async function commitTimes(
  pool: pg.Pool,
  aggregatePrefix = '',
): Promise<Map<string, number>> {
  const r = await pool.query<{ id: string; t: number }>(
    `SELECT id::text, (extract(epoch FROM pg_xact_commit_timestamp(xid::xid)) * 1000)::float8 AS t
       FROM sync_outbox WHERE starts_with(aggregateid, $1)`,
    [aggregatePrefix],
  )
  return new Map(r.rows.map((x) => [x.id, x.t]))
}
