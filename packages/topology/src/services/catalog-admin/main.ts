import { createReplicaRouter } from '@faultline/cache-kit/postgres'
import { migrateSyncKit } from '@faultline/sync-kit'
import { createServiceApp } from '../../wiring/http/create-service-app.js'
import { runService } from '../../wiring/http/run-service.js'
import { createCatalogCache } from '../shared/cache.js'
import { migrateService } from '../shared/migrate.js'
import { createPool } from '../shared/pools.js'
import {
  SERVICE_AUTH_CONFIG_SCHEMA,
  serviceAuthPlugins,
  type ServiceAuthConfig,
} from '../shared/service-auth.js'
import { CATALOG_MIGRATIONS } from './migrations.js'
import { registerCatalogOps } from './ops-routes.js'
import { registerAdminRoutes } from './routes.js'

interface AdminConfig {
  readonly databaseUrl: string
  readonly replicaUrl: string
  readonly redisUrl: string
  readonly namespace: string
  readonly auth: ServiceAuthConfig
}

await runService<AdminConfig>({
  configSchema: {
    type: 'object',
    properties: {
      databaseUrl: { type: 'string', minLength: 1 },
      replicaUrl: { type: 'string', minLength: 1 },
      redisUrl: { type: 'string', minLength: 1 },
      namespace: { type: 'string', default: '' },
      auth: SERVICE_AUTH_CONFIG_SCHEMA,
    },
    required: ['databaseUrl', 'replicaUrl', 'redisUrl', 'auth'],
  },
  async build(config) {
    const service = await createServiceApp({
      service: config.service,
      instance: config.instance,
      plugins: serviceAuthPlugins('catalog-admin', config.auth),
    })
    const logger = service.app.log
    const primary = createPool(config.databaseUrl, { name: config.instance, logger })
    const replica = createPool(config.replicaUrl, {
      name: `${config.instance}-replica`,
      logger,
      max: 2,
    })
    // The outbox first (idempotent; relay-catalog may have made it), then the catalog's own table.
    await migrateSyncKit(primary)
    await migrateService(primary, 'catalog', CATALOG_MIGRATIONS)
    const router = createReplicaRouter({ primary, replica })
    const catalogCache = createCatalogCache({ ...config, logger })
    registerAdminRoutes(service.app, { router, cache: catalogCache.cache, logger })
    registerCatalogOps(service.app, primary)
    service.addReadinessCheck('database migrated', () => true)
    service.onShutdown('close cache', () => catalogCache.close())
    service.onShutdown('close pools', async () => {
      await Promise.all([primary.end(), replica.end()])
    })
    return service
  },
})
