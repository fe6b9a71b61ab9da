import { InfraError, redactUrl } from '../errors.js'
import { DEBEZIUM_POSTGRES_PLUGIN } from './connect-jars.js'
import type { ConnectorDefinition } from './types.js'

/**
 * Throughput and latency settings for the Debezium outbox connector and the worker's producer.
 * The defaults are what an operator tuning for a low-latency relay would pick, not Debezium's.
 */
export interface DebeziumOutboxTuning {
  /**
   * `max.batch.size`: records per task poll. Debezium's default is 2048; larger batches mean
   * fewer hand-overs to the producer during a backlog. @default 4096
   */
  readonly maxBatchSize: number
  /** `max.queue.size`: records buffered between the WAL reader and the task. @default 16384 */
  readonly maxQueueSize: number
  /**
   * `poll.interval.ms`: a task poll waits this long for a full batch, so every event can wait
   * this long at low rates. Debezium's default (500 ms) would dominate commit→Kafka latency.
   * @default 5
   */
  readonly pollIntervalMs: number
  /** Producer `linger.ms`: the poll already batches, so the producer should not wait long. @default 1 */
  readonly lingerMs: number
  /** Producer `batch.size` in bytes (Kafka's default is 16384). @default 65536 */
  readonly batchSizeBytes: number
  /**
   * Producer `max.in.flight.requests.per.connection`. Connect's default is 1; with idempotence
   * on, up to 5 keeps per-partition order, so an operator raises it. @default 5
   */
  readonly maxInFlight: number
}

/** The tuning {@link debeziumOutboxConnector} uses unless told otherwise. */
export const DEBEZIUM_OUTBOX_TUNING: DebeziumOutboxTuning = {
  maxBatchSize: 4096,
  maxQueueSize: 16_384,
  pollIntervalMs: 5,
  lingerMs: 1,
  batchSizeBytes: 65_536,
  maxInFlight: 5,
}

/** Options for {@link debeziumOutboxConnector}. */
export interface DebeziumOutboxOptions {
  /** `postgres://user:password@host:port/database`; the user needs the REPLICATION attribute. */
  readonly pgUrl: string
  /** Logical replication slot; created by the connector when missing. */
  readonly slot: string
  /** Publication; created (or narrowed to the table) by the connector, `filtered` mode. */
  readonly publication: string
  /** The one topic every event goes to, whatever its aggregate type. */
  readonly topic: string
  /** The outbox table, schema-qualified. @default 'public.sync_outbox' */
  readonly table?: string
  /** Connector name. @default 'debezium-outbox' */
  readonly name?: string
  /**
   * Drop the slot when the connector stops: for throwaway databases (tests, benchmarks), where a
   * left-over slot would pin WAL. Never in production, where the slot is the resume point.
   * @default false
   */
  readonly dropSlotOnStop?: boolean
  /** Overrides of {@link DEBEZIUM_OUTBOX_TUNING}. */
  readonly tuning?: Partial<DebeziumOutboxTuning>
}

/** The Postgres connection settings Debezium wants, taken from a URL. */
function databaseSettings(pgUrl: string): Record<string, string> {
  let url: URL
  try {
    url = new URL(pgUrl)
  } catch (cause) {
    throw badOption('pgUrl', `pgUrl is not a URL: ${redactUrl(pgUrl)}`, cause)
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''))
  if (!/^postgres(ql)?:$/.test(url.protocol) || url.hostname === '' || database === '') {
    throw badOption(
      'pgUrl',
      `pgUrl must be postgres://user@host:port/database, got ${redactUrl(pgUrl)}`,
    )
  }
  return {
    'database.hostname': url.hostname,
    'database.port': url.port === '' ? '5432' : url.port,
    'database.user': decodeURIComponent(url.username) || 'postgres',
    'database.password': decodeURIComponent(url.password),
    'database.dbname': database,
  }
}

function badOption(option: string, message: string, cause?: unknown): InfraError {
  return new InfraError('E_INFRA_INVALID_OPTION', message, {
    context: { service: 'kafka-connect', option },
    cause,
  })
}

function checkNames(options: DebeziumOutboxOptions, table: string): void {
  // Postgres allows only these characters in slot names, and rejects longer ones.
  if (!/^[a-z0-9_]{1,63}$/.test(options.slot)) {
    throw badOption('slot', `slot must be 1–63 of [a-z0-9_], got "${options.slot}"`)
  }
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(options.publication)) {
    throw badOption(
      'publication',
      `publication must be a plain SQL identifier, got "${options.publication}"`,
    )
  }
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(options.topic)) {
    throw badOption('topic', `topic is not a legal Kafka topic name: "${options.topic}"`)
  }
  if (!/^[A-Za-z_]\w*\.[A-Za-z_]\w*$/.test(table)) {
    throw badOption('table', `table must be schema.table, got "${table}"`)
  }
}

/**
 * Columns that ride as message headers: with the key (aggregateid) and the value (payload) they
 * are every field of a sync-kit envelope, so a consumer can rebuild one (sync-kit's own decoder
 * expects the envelope as the value and rejects Debezium's messages).
 */
const OUTBOX_HEADERS = [
  'id:header:fl-event-id',
  'aggregatetype:header:aggregateType',
  'type:header:eventType',
  'version:header:eventVersion',
  'sequence:header:sequence',
  'occurred_at:header:occurredAt',
  'headers:header:eventHeaders',
].join(',')

/**
 * The outbox event router mapped onto sync-kit's `sync_outbox` columns: key = `aggregateid`,
 * value = `payload` (the jsonb text as is), every event to `topic`. The event id also goes into
 * the `fl-event-id` header, the header sync-kit's own relays set, so one reader can match events
 * of either system to their commits; the other envelope fields ride as headers too.
 */
function outboxRouter(topic: string): Record<string, string> {
  const t = 'transforms.outbox'
  return {
    transforms: 'outbox',
    [`${t}.type`]: 'io.debezium.transforms.outbox.EventRouter',
    [`${t}.table.field.event.id`]: 'id',
    [`${t}.table.field.event.key`]: 'aggregateid',
    [`${t}.table.field.event.payload`]: 'payload',
    [`${t}.route.by.field`]: 'aggregatetype',
    // A replacement without `${routedByValue}` routes every aggregate type to one topic.
    [`${t}.route.topic.replacement`]: topic,
    [`${t}.table.fields.additional.placement`]: OUTBOX_HEADERS,
    // The payload stays a JSON string and StringConverter writes it out unparsed.
    [`${t}.table.expand.json.payload`]: 'false',
  }
}

/** Worker settings: the producer as durable as sync-kit's (acks=all, idempotent), plus tuning. */
function producerSettings(tuning: DebeziumOutboxTuning): Record<string, string> {
  return {
    'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'producer.acks': 'all',
    // Connect turns idempotence off for source tasks by default; sync-kit's producer has it on.
    'producer.enable.idempotence': 'true',
    'producer.max.in.flight.requests.per.connection': String(tuning.maxInFlight),
    'producer.linger.ms': String(tuning.lingerMs),
    'producer.batch.size': String(tuning.batchSizeBytes),
  }
}

/**
 * A Debezium Postgres connector that streams an outbox table (sync-kit's `sync_outbox` by
 * default) through the outbox `EventRouter` to one topic, for {@link startKafkaConnect}. It
 * decodes with `pgoutput`, creates its own slot and a `filtered` publication, never snapshots
 * (`snapshot.mode=no_data`: rows committed before the slot existed are not sent), and skips
 * updates and deletes (relay B marks rows delivered with an UPDATE; the outbox is append-only).
 *
 * @throws InfraError `E_INFRA_INVALID_OPTION` for a URL or a name Postgres or Kafka would refuse.
 */
export function debeziumOutboxConnector(options: DebeziumOutboxOptions): ConnectorDefinition {
  const table = options.table ?? 'public.sync_outbox'
  checkNames(options, table)
  const name = options.name ?? 'debezium-outbox'
  const tuning = { ...DEBEZIUM_OUTBOX_TUNING, ...options.tuning }
  const config: Record<string, string> = {
    'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
    'tasks.max': '1',
    ...databaseSettings(options.pgUrl),
    'topic.prefix': name.replace(/[^A-Za-z0-9._-]/g, '_'),
    'plugin.name': 'pgoutput',
    'slot.name': options.slot,
    'slot.drop.on.stop': String(options.dropSlotOnStop ?? false),
    'publication.name': options.publication,
    'publication.autocreate.mode': 'filtered',
    'table.include.list': table,
    // The router reads none of these; not decoding them saves work per row (xid8 is also a type
    // Debezium has no mapping for).
    'column.exclude.list': `${table}.xid,${table}.delivered_at`,
    'snapshot.mode': 'no_data',
    'skipped.operations': 'u,d,t',
    // Four `__debezium.context.*` headers per message (~150 bytes) that no consumer here reads.
    'extended.headers.enabled': 'false',
    // Latency quantile sketches fed per event through a queue to another thread: a monitoring
    // add-on (sync-kit's relays keep plain counters) that costs CPU on every event.
    'statistics.metrics.enabled': 'false',
    'max.batch.size': String(tuning.maxBatchSize),
    'max.queue.size': String(tuning.maxQueueSize),
    'poll.interval.ms': String(tuning.pollIntervalMs),
    ...outboxRouter(options.topic),
  }
  return { name, config, plugins: [DEBEZIUM_POSTGRES_PLUGIN], worker: producerSettings(tuning) }
}
