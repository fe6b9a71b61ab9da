import pg from 'pg'
import { createLogicalRelay, migrateSyncKit } from '@faultline/sync-kit'
import { createKafkaPublisher } from '@faultline/sync-kit/kafka'
import { createServiceApp, type ServiceApp } from '../../../../wiring/http/create-service-app.js'
import type { BaseServiceConfig } from '../../../../wiring/http/service-config.js'
import { orderSideConfigSchema, type OrderSideConfig } from '../config.js'
import { serviceAuthPlugins } from '../../service-auth.js'
import { kitLogger } from '../kit-logger.js'
import { channelTopic, relaySlot } from '../names.js'

/** A relay process's own configuration. */
export interface RelayConfig extends OrderSideConfig {
  /** The database's name (`orders`, ...): names the replication slot. */
  readonly database: string
  /** How long a batch waits to fill after an idle spell. @default 2 */
  readonly lingerMs: number
}

/** The relay's config schema. */
export const RELAY_CONFIG_SCHEMA = orderSideConfigSchema(
  {
    database: { type: 'string', minLength: 1, maxLength: 40, pattern: '^[a-z][a-z0-9_]*$' },
    lingerMs: { type: 'integer', minimum: 0, maximum: 1000, default: 2 },
  },
  ['database'],
)

/** Creates the outbox tables when the relay is first, so its publication has a table to name. */
async function migrateOutbox(databaseUrl: string): Promise<void> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 })
  try {
    await migrateSyncKit(pool)
  } finally {
    await pool.end()
  }
}

/**
 * One database's outbox relay as a process of its own (so it can be killed on its own): sync-kit
 * relay A (logical replication) publishing each event to `outbox.event.<aggregate type>` under
 * the run's namespace. Ready once its slot streams; `GET /ops/state` shows its counters. The
 * relay starts before its service (the service depends on it), so its slot exists before the
 * outbox takes writes: a slot sees only what commits after it is created.
 */
export async function buildRelayApp(config: BaseServiceConfig & RelayConfig): Promise<ServiceApp> {
  const svc = await createServiceApp({
    service: config.service,
    instance: config.instance,
    logLevel: config.logLevel,
    plugins: serviceAuthPlugins('relay', config.auth),
  })
  const logger = kitLogger(svc.app.log, 'relay')
  await migrateOutbox(config.databaseUrl)
  const publisher = createKafkaPublisher({ brokers: [...config.kafkaBrokers], logger })
  let failed: string | undefined
  const relay = createLogicalRelay({
    connection: config.databaseUrl,
    publisher,
    slot: relaySlot(config.namespace, config.database),
    topic: (event) => channelTopic(config.namespace, event.aggregateType),
    lingerMs: config.lingerMs,
    logger,
    onFailed: (error) => (failed = error.message),
  })
  await relay.start()
  svc.addReadinessCheck('relay', () => failed === undefined)
  svc.app.get('/ops/state', () => ({ relay: relay.stats(), failed: failed ?? null }))
  svc.onShutdown('relay', () => relay.stop())
  svc.onShutdown('publisher', () => publisher.close())
  return svc
}
