import { createLogicalRelay, migrateSyncKit } from '@faultline/sync-kit'
import { createKafkaPublisher } from '@faultline/sync-kit/kafka'
import { createServiceApp, type ServiceApp } from '../../wiring/http/create-service-app.js'
import type { BaseServiceConfig } from '../../wiring/http/service-config.js'
import { outboxTopic } from '../shared/names.js'
import { createPool } from '../shared/pools.js'
import { serviceAuthPlugins } from '../shared/service-auth.js'
import { ensureTopics } from '../shared/topics.js'
import type { RelayConfig } from './config.js'

/** Creates the outbox tables when the relay is first, so its publication has a table to name. */
async function migrateOutbox(config: BaseServiceConfig & RelayConfig, app: ServiceApp) {
  const pool = createPool(config.databaseUrl, {
    name: config.instance,
    logger: app.app.log,
    max: 1,
  })
  try {
    await migrateSyncKit(pool)
  } finally {
    await pool.end()
  }
}

/**
 * One database's outbox relay as a process of its own, so it can be killed alone: sync-kit relay
 * A (logical replication) publishing each event to `<namespace>outbox.event.<aggregate type>`,
 * keyed by its aggregate id. Before it is ready it has migrated the outbox, created its topics
 * (the two at once: one is Postgres, the other Kafka) and its slot streams. `/readyz` fails once
 * the relay failed for good; `GET /ops/state` shows its counters.
 */
export async function buildRelayApp(config: BaseServiceConfig & RelayConfig): Promise<ServiceApp> {
  const service = await createServiceApp({
    service: config.service,
    instance: config.instance,
    logLevel: config.logLevel,
    plugins: serviceAuthPlugins('relay', config.auth),
  })
  const logger = service.app.log.child({ component: 'relay' })
  await Promise.all([
    migrateOutbox(config, service),
    ensureTopics({
      brokers: config.kafkaBrokers,
      topics: config.topics,
      partitions: config.partitions,
      clientId: config.instance,
    }),
  ])
  const publisher = createKafkaPublisher({
    brokers: [...config.kafkaBrokers],
    clientId: config.instance,
    logger,
  })
  let failed: string | undefined
  const relay = createLogicalRelay({
    connection: config.databaseUrl,
    publisher,
    slot: config.slot,
    publication: `${config.slot}_pub`,
    topic: (envelope) => outboxTopic(config.namespace, envelope.aggregateType),
    lingerMs: config.lingerMs,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    logger,
    onFailed: (error) => (failed = error.message),
  })
  await relay.start()
  service.app.get('/ops/state', () => ({
    service: config.service,
    database: config.database,
    slot: config.slot,
    failed: failed ?? null,
    stats: relay.stats(),
  }))
  service.addReadinessCheck('relay streaming', () => failed === undefined)
  service.onShutdown('stop relay', () => relay.stop())
  service.onShutdown('close publisher', () => publisher.close())
  return service
}
