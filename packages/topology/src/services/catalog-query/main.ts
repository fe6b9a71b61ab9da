import { createReplicaRouter } from '@faultline/cache-kit/postgres'
import { createServiceApp } from '../../wiring/http/create-service-app.js'
import { runService } from '../../wiring/http/run-service.js'
import { createCatalogCache } from '../shared/cache.js'
import { createPool } from '../shared/pools.js'
import {
  SERVICE_AUTH_CONFIG_SCHEMA,
  serviceAuthPlugins,
  type ServiceAuthConfig,
} from '../shared/service-auth.js'
import { LossyBus } from './bus-faults.js'
import { startChangeConsumer } from './change-consumer.js'
import { registerLoaderCallRoutes } from './loader-call-routes.js'
import { countLoaderCalls, LoaderCalls } from './loader-calls.js'
import { registerQueryOps, registerQueryTestHooks } from './ops-routes.js'
import { ProductReads } from './product-reads.js'
import { registerQueryRoutes } from './routes.js'

interface QueryConfig {
  readonly databaseUrl: string
  readonly replicaUrl: string
  readonly redisUrl: string
  readonly brokers: readonly string[]
  readonly topic: string
  readonly groupId: string
  readonly namespace: string
  readonly l1MaxTtlMs: number
  readonly testHooks: boolean
  readonly auth: ServiceAuthConfig
}

await runService<QueryConfig>({
  configSchema: {
    type: 'object',
    properties: {
      databaseUrl: { type: 'string', minLength: 1 },
      replicaUrl: { type: 'string', minLength: 1 },
      redisUrl: { type: 'string', minLength: 1 },
      brokers: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
      topic: { type: 'string', minLength: 1 },
      groupId: { type: 'string', minLength: 1 },
      namespace: { type: 'string', default: '' },
      l1MaxTtlMs: { type: 'integer', minimum: 1, default: 60_000 },
      testHooks: { type: 'boolean', default: false },
      auth: SERVICE_AUTH_CONFIG_SCHEMA,
    },
    required: ['databaseUrl', 'replicaUrl', 'redisUrl', 'brokers', 'topic', 'groupId', 'auth'],
  },
  async build(config) {
    const service = await createServiceApp({
      service: config.service,
      instance: config.instance,
      plugins: serviceAuthPlugins('catalog-query', config.auth),
    })
    const logger = service.app.log
    const primary = createPool(config.databaseUrl, { name: config.instance, logger, max: 4 })
    const replica = createPool(config.replicaUrl, { name: `${config.instance}-replica`, logger })
    const router = createReplicaRouter({ primary, replica })
    let bus: LossyBus | undefined
    const catalogCache = createCatalogCache({
      ...config,
      logger,
      wrapBus: (inner) => (bus = new LossyBus(inner)),
    })
    const { cache } = catalogCache
    const consumer = await startChangeConsumer({
      cache,
      brokers: config.brokers,
      topic: config.topic,
      groupId: config.groupId,
      logger,
    })
    const calls = new LoaderCalls()
    const reads = new ProductReads(countLoaderCalls(cache, calls), router, primary)
    registerQueryRoutes(service.app, reads)
    registerLoaderCallRoutes(service.app, {
      instance: config.instance,
      calls,
      testHooks: config.testHooks,
    })
    const ops = {
      ...config,
      cache,
      router,
      consumer,
      bus: bus as LossyBus,
      busConnectionName: catalogCache.busConnectionName,
    }
    registerQueryOps(service.app, ops)
    if (config.testHooks) registerQueryTestHooks(service.app, ops)
    service.addReadinessCheck('change stream subscribed', () => consumer.running())
    service.addReadinessCheck('cache store and bus up', async () => {
      await cache.ready()
      return true
    })
    service.onShutdown('commit offsets, stop consumer', () => consumer.stop())
    service.onShutdown('close cache', () => catalogCache.close())
    service.onShutdown('close pools', async () => {
      await Promise.all([primary.end(), replica.end()])
    })
    return service
  },
})
