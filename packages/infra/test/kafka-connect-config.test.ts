import { describe, expect, test } from 'vitest'
import { DEBEZIUM_OUTBOX_TUNING, debeziumOutboxConnector, isInfraError } from '@faultline/infra'
import { errorLines, explainStartupFailure } from '../src/connect/connect-log.js'
import { summarizeTrace } from '../src/connect/connect-status.js'
import { toProperties } from '../src/connect/properties.js'
import { connectWorkerProperties } from '../src/connect/worker-config.js'
import { InfraError } from '../src/errors.js'

const BASE = {
  pgUrl: 'postgres://app:p%40ss%3Aw0rd@db.local:6543/shop',
  slot: 'shop_outbox',
  publication: 'shop_pub',
  topic: 'shop.events',
}

function thrown(fn: () => unknown): InfraError {
  try {
    fn()
  } catch (error) {
    if (isInfraError(error)) return error
    throw error
  }
  throw new Error('did not throw')
}

describe('debeziumOutboxConnector()', () => {
  test('takes the database settings from the URL, decoding the password', () => {
    const { config } = debeziumOutboxConnector(BASE)
    expect(config).toMatchObject({
      'database.hostname': 'db.local',
      'database.port': '6543',
      'database.user': 'app',
      'database.password': 'p@ss:w0rd',
      'database.dbname': 'shop',
    })
  })

  test('streams sync_outbox with pgoutput, its own slot and publication, and no snapshot', () => {
    const { config, plugins } = debeziumOutboxConnector(BASE)
    expect(config).toMatchObject({
      'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
      'plugin.name': 'pgoutput',
      'slot.name': 'shop_outbox',
      'publication.name': 'shop_pub',
      'publication.autocreate.mode': 'filtered',
      'table.include.list': 'public.sync_outbox',
      'snapshot.mode': 'no_data',
      'slot.drop.on.stop': 'false',
    })
    expect(plugins.map((p) => p.dirName)).toEqual(['debezium-postgres-3.6.1.Final'])
  })

  test('routes every event to the one topic, keyed by aggregateid, with the event id header', () => {
    const { config } = debeziumOutboxConnector(BASE)
    expect(config).toMatchObject({
      transforms: 'outbox',
      'transforms.outbox.type': 'io.debezium.transforms.outbox.EventRouter',
      'transforms.outbox.route.topic.replacement': 'shop.events',
      'transforms.outbox.table.field.event.key': 'aggregateid',
      'transforms.outbox.table.field.event.payload': 'payload',
    })
    expect(config['transforms.outbox.table.fields.additional.placement']).toContain(
      'id:header:fl-event-id',
    )
  })

  test('asks the worker for an idempotent acks=all producer and applies tuning overrides', () => {
    const { worker } = debeziumOutboxConnector({ ...BASE, tuning: { pollIntervalMs: 50 } })
    expect(worker).toMatchObject({ 'producer.acks': 'all', 'producer.enable.idempotence': 'true' })
    const { config } = debeziumOutboxConnector({ ...BASE, tuning: { pollIntervalMs: 50 } })
    expect(config['poll.interval.ms']).toBe('50')
    expect(config['max.batch.size']).toBe(String(DEBEZIUM_OUTBOX_TUNING.maxBatchSize))
  })

  test('rejects names Postgres or Kafka would refuse, and never echoes the password', () => {
    expect(thrown(() => debeziumOutboxConnector({ ...BASE, slot: 'Bad-Slot' })).code).toBe(
      'E_INFRA_INVALID_OPTION',
    )
    expect(thrown(() => debeziumOutboxConnector({ ...BASE, topic: 'a topic' })).code).toBe(
      'E_INFRA_INVALID_OPTION',
    )
    const error = thrown(() =>
      debeziumOutboxConnector({ ...BASE, pgUrl: 'mysql://app:secret@db/shop' }),
    )
    expect(error.message).not.toContain('secret')
  })
})

describe('connectWorkerProperties()', () => {
  test("layers ours, then the connector's, then the caller's", () => {
    const layout = { brokers: ['127.0.0.1:9092'], restPort: 8083, dir: '/tmp/w', pluginPath: [] }
    const connector = debeziumOutboxConnector(BASE)
    const props = connectWorkerProperties(layout, connector, { 'producer.linger.ms': '7' })
    expect(props).toMatchObject({
      listeners: 'http://127.0.0.1:8083',
      'offset.storage.file.filename': '/tmp/w/connect.offsets',
      'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
      'producer.linger.ms': '7',
    })
  })
})

describe('toProperties()', () => {
  test('escapes what Properties.load would otherwise read differently', () => {
    const text = toProperties({ 'a=b': ' x\\y', '#k': 'ü\n' })
    expect(text).toBe('a\\=b=\\ x\\\\y\n\\#k=\\u00fc\\n\n')
  })
})

describe('worker log summaries', () => {
  const log = [
    '[2026-01-01 00:00:00,000] INFO Kafka Connect starting (x)',
    '[2026-01-01 00:00:01,000] ERROR Failed testing connection (PostgresConnector)',
    'org.postgresql.util.PSQLException: FATAL: database "nope" does not exist',
    '\tat org.postgresql.Driver.connect(Driver.java:1)',
    'Caused by: java.net.SomethingElse: deeper',
    '\t... 16 more',
    '[2026-01-01 00:00:02,000] INFO Kafka Connect stopping (x)',
  ].join('\n')

  test('errorLines() keeps ERROR lines and exception messages, not frames or INFO', () => {
    expect(errorLines(log)).toEqual([
      'ERROR Failed testing connection (PostgresConnector)',
      'org.postgresql.util.PSQLException: FATAL: database "nope" does not exist',
      'Caused by: java.net.SomethingElse: deeper',
    ])
  })

  test('summarizeTrace() keeps the first line and the causes', () => {
    const trace = 'a.B: top\n\tat x(y)\nCaused by: c.D: root\n\tat z(w)'
    expect(summarizeTrace(trace)).toBe('a.B: top\n  Caused by: c.D: root')
  })

  test('explainStartupFailure() passes other errors through', async () => {
    const other = new InfraError('E_INFRA_INVALID_OPTION', 'nope')
    expect(await explainStartupFailure(other, '/nonexistent')).toBe(other)
  })
})
