import type { ServiceMigration as Migration } from '../migrate.js'
import { createServiceApp, type ServiceApp } from '../../../wiring/http/create-service-app.js'
import type { BaseServiceConfig } from '../../../wiring/http/service-config.js'
import type { ServiceKind } from '../route-access.js'
import { serviceAuthPlugins } from '../service-auth.js'
import type { OrderSideConfig } from './config.js'
import { kitLogger, type KitLogger } from './kit-logger.js'
import { createMessaging, type Messaging } from './messaging.js'
import { migrateService } from './migrate.js'

/** What an order-side service is built on: its app, database, transport and logger. */
export interface OrderSideService {
  readonly svc: ServiceApp
  readonly messaging: Messaging
  readonly logger: KitLogger
  /** Records that one of the service's consumers is subscribed; `/readyz` waits for all. */
  subscribed(name: string): void
}

/** Options of {@link startOrderSideService}. */
export interface OrderSideServiceOptions {
  /** Which routes the service has, for their access rules (`ROUTE_ACCESS`). */
  readonly kind: ServiceKind
  /** The service's own schema changes, ids prefixed with the service's name. */
  readonly migrations: readonly Migration[]
  /** Channels the service consumes; their topics are created before it subscribes. */
  readonly channels: readonly string[]
  /** Names of the consumers `/readyz` waits for (see {@link OrderSideService.subscribed}). */
  readonly consumers: readonly string[]
}

/**
 * The common start of an order-side service: the app with its probes and every other route
 * behind a bearer token (the rules of `ROUTE_ACCESS[kind]`), the pool and transport,
 * the database migrated, the topics it reads created. `/readyz` passes once the database answers
 * and every consumer named in `consumers` has subscribed.
 */
export async function startOrderSideService(
  config: BaseServiceConfig & OrderSideConfig,
  options: OrderSideServiceOptions,
): Promise<OrderSideService> {
  const svc = await createServiceApp({
    service: config.service,
    instance: config.instance,
    logLevel: config.logLevel,
    plugins: serviceAuthPlugins(options.kind, config.auth),
  })
  const logger = kitLogger(svc.app.log, 'kits')
  const messaging = createMessaging(config, logger)
  await migrateService(messaging.pool, config.service, options.migrations)
  await messaging.ensureChannels(options.channels)
  const live = new Set<string>()
  svc.addReadinessCheck('database', async () => {
    await messaging.pool.query('SELECT 1')
    return true
  })
  svc.addReadinessCheck('consumers', () => options.consumers.every((name) => live.has(name)))
  return { svc, messaging, logger, subscribed: (name) => live.add(name) }
}
