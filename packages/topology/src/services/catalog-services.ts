import type { ServiceDefinition } from '../supervisor/types.js'
import type { ServiceFactory } from './order-services.js'
import type { TopologyServiceContext } from './shared/context.js'
import { serviceEntry } from './shared/entry.js'
import { relayDefinition } from './relay/definition.js'
import { PRODUCT_TOPIC, groupName, topicName } from './shared/names.js'
import { PRODUCT_AGGREGATE } from './shared/product.js'

const ON_CRASH = { restart: 'on-crash' } as const

function catalogAdmin(ctx: TopologyServiceContext): ServiceDefinition {
  const { url, replicaUrl } = ctx.databases.catalog
  return {
    name: 'catalog-admin',
    entry: serviceEntry('catalog-admin'),
    // The relay's slot must exist before the first event commits, or that event is never sent.
    dependsOn: ['relay-catalog'],
    config: {
      databaseUrl: url,
      replicaUrl,
      redisUrl: ctx.redisUrl,
      namespace: ctx.namespace,
      auth: ctx.auth,
    },
    restartPolicy: ON_CRASH,
  }
}

function catalogQuery(ctx: TopologyServiceContext): ServiceDefinition {
  const { url, replicaUrl } = ctx.databases.catalog
  return {
    name: 'catalog-query',
    entry: serviceEntry('catalog-query'),
    // catalog-admin migrates the products table this service reads.
    dependsOn: ['catalog-admin'],
    config: (instance) => ({
      databaseUrl: url,
      replicaUrl,
      redisUrl: ctx.redisUrl,
      brokers: ctx.kafkaBrokers,
      topic: topicName(ctx.namespace, PRODUCT_TOPIC),
      // One group per instance: every instance must see every change (README, "Invalidation").
      groupId: groupName(ctx.namespace, `catalog-query.${instance.id}`),
      namespace: ctx.namespace,
      testHooks: ctx.testHooks,
      auth: ctx.auth,
    }),
    restartPolicy: ON_CRASH,
  }
}

function search(ctx: TopologyServiceContext): ServiceDefinition {
  return {
    name: 'search',
    entry: serviceEntry('search'),
    dependsOn: ['relay-catalog'],
    config: {
      databaseUrl: ctx.databases.search.url,
      brokers: ctx.kafkaBrokers,
      topic: topicName(ctx.namespace, PRODUCT_TOPIC),
      groupId: groupName(ctx.namespace, 'search.products'),
      auth: ctx.auth,
    },
    restartPolicy: ON_CRASH,
  }
}

/** The catalog side: relay-catalog, catalog-admin, catalog-query (N, behind the LB), search. */
export const catalogServiceFactory: ServiceFactory = (ctx) => [
  relayDefinition(ctx, 'catalog', { aggregateTypes: [PRODUCT_AGGREGATE] }),
  catalogAdmin(ctx),
  catalogQuery(ctx),
  search(ctx),
]
