import {
  createPostgresConsumerStore,
  createProjectionRunner,
  migrateSyncKit,
} from '@faultline/sync-kit'
import { createKafkaEventConsumer, createKafkaPublisher } from '@faultline/sync-kit/kafka'
import { createServiceApp } from '../../wiring/http/create-service-app.js'
import { runService } from '../../wiring/http/run-service.js'
import { createPool } from '../shared/pools.js'
import {
  SERVICE_AUTH_CONFIG_SCHEMA,
  serviceAuthPlugins,
  type ServiceAuthConfig,
} from '../shared/service-auth.js'
import { productSearch } from './projection.js'
import { registerSearchOps, registerSearchRoutes } from './routes.js'

interface SearchConfig {
  readonly databaseUrl: string
  readonly brokers: readonly string[]
  readonly topic: string
  readonly groupId: string
  readonly auth: ServiceAuthConfig
}

await runService<SearchConfig>({
  configSchema: {
    type: 'object',
    properties: {
      databaseUrl: { type: 'string', minLength: 1 },
      brokers: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
      topic: { type: 'string', minLength: 1 },
      groupId: { type: 'string', minLength: 1 },
      auth: SERVICE_AUTH_CONFIG_SCHEMA,
    },
    required: ['databaseUrl', 'brokers', 'topic', 'groupId', 'auth'],
  },
  async build(config) {
    const service = await createServiceApp({
      service: config.service,
      instance: config.instance,
      plugins: serviceAuthPlugins('search', config.auth),
    })
    const logger = service.app.log
    // A rebuild needs about 2 × partitions + 2 connections besides the live consumer's.
    const pool = createPool(config.databaseUrl, {
      name: config.instance,
      logger: service.app.log,
      max: 16,
    })
    await migrateSyncKit(pool)
    const brokers = [...config.brokers]
    const deadLetters = createKafkaPublisher({ brokers, clientId: `${config.groupId}-dlq`, logger })
    const runner = createProjectionRunner({
      projection: productSearch,
      db: createPostgresConsumerStore({ pool }),
      topics: [config.topic],
      groupId: config.groupId,
      connect: () =>
        createKafkaEventConsumer({
          brokers,
          clientId: config.groupId,
          sessionTimeoutMs: 10_000,
          maxWaitTimeMs: 500,
        }),
      deadLetters,
      consumer: { logger },
    })
    await runner.start()
    registerSearchRoutes(service.app, pool)
    registerSearchOps(service.app, runner, pool)
    service.addReadinessCheck('projection consuming', () => runner.consumer !== undefined)
    service.onShutdown('stop projection', () => runner.stop())
    service.onShutdown('close publisher', () => deadLetters.close())
    service.onShutdown('close pool', () => pool.end())
    return service
  },
})
