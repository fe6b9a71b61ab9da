import { createLogicalRelay, migrateSyncKit } from '@faultline/sync-kit'
import { createKafkaPublisher } from '@faultline/sync-kit/kafka'
import { createServiceApp } from '../../wiring/http/create-service-app.js'
import { runService } from '../../wiring/http/run-service.js'
import { createPool } from '../shared/pools.js'
import { serviceAuthPlugins } from '../shared/service-auth.js'
import { RELAY_CONFIG_SCHEMA, type RelayConfig } from '../shared/relay-definition.js'

/**
 * One outbox relay (sync-kit relay A, logical replication) per database, in its own process so
 * it can be killed alone. It migrates the outbox and creates its slot before it is ready, and
 * writers depend on it: events committed before the slot exists would never be relayed.
 */
await runService<RelayConfig>({
  configSchema: RELAY_CONFIG_SCHEMA,
  async build(config) {
    const service = await createServiceApp({
      service: config.service,
      instance: config.instance,
      plugins: serviceAuthPlugins('relay', config.auth),
    })
    const logger = service.app.log
    const pool = createPool(config.databaseUrl, {
      name: config.instance,
      logger: service.app.log,
      max: 1,
    })
    await migrateSyncKit(pool)
    await pool.end()
    const publisher = createKafkaPublisher({
      brokers: [...config.brokers],
      clientId: config.instance,
      logger,
    })
    let failed = false
    const relay = createLogicalRelay({
      connection: config.databaseUrl,
      publisher,
      slot: config.slot,
      publication: `${config.slot}_pub`,
      topic: (envelope) => `${config.namespace}outbox.event.${envelope.aggregateType}`,
      heartbeatIntervalMs: 2_000,
      logger,
      onFailed: () => {
        failed = true
      },
    })
    await relay.start()
    service.app.get('/ops/state', () => ({ service: config.service, failed, stats: relay.stats() }))
    service.addReadinessCheck('relay streaming', () => !failed)
    service.onShutdown('stop relay', () => relay.stop())
    service.onShutdown('close publisher', () => publisher.close())
    return service
  },
})
