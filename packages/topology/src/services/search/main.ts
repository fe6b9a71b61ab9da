import {
  createPostgresStore,
  createProjectionRunner,
  migrate as migrateSyncKit,
} from '@faultline/sync-kit'
import { createKafkaEventConsumer, createKafkaPublisher } from '@faultline/sync-kit/kafka'
import { createServiceApp } from '../../wiring/http/create-service-app.js'
import { runService } from '../../wiring/http/run-service.js'
import { syncKitLogger } from '../shared/kit-logger.js'
import { createPool } from '../shared/pools.js'
import { productSearch } from './projection.js'
import { registerSearchOps, registerSearchRoutes } from './routes.js'

interface SearchConfig {
  readonly databaseUrl: string
  readonly brokers: readonly string[]
  readonly topic: string
  readonly groupId: string
}

await runService<SearchConfig>({
  configSchema: {
    type: 'object',
    properties: {
      databaseUrl: { type: 'string', minLength: 1 },
      brokers: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
      topic: { type: 'string', minLength: 1 },
      groupId: { type: 'string', minLength: 1 },
    },
    required: ['databaseUrl', 'brokers', 'topic', 'groupId'],
  },
  async build(config) {
    const service = await createServiceApp({ service: config.service, instance: config.instance })
    const logger = syncKitLogger(service.app.log)
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
      db: createPostgresStore({ pool }),
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
