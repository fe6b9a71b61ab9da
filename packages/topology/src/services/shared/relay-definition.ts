import type { ServiceDefinition } from '../../supervisor/types.js'
import type { ObjectSchema } from '../../wiring/http/service-config.js'
import type { TopologyDatabaseName, TopologyServiceContext } from './context.js'
import { serviceEntry } from './entry.js'
import { SERVICE_AUTH_CONFIG_SCHEMA, type ServiceAuthConfig } from './service-auth.js'

/** The configuration of a relay process (`src/services/relay/main.ts`). */
export interface RelayConfig {
  readonly databaseUrl: string
  readonly brokers: readonly string[]
  /** Replication slot; the publication is `<slot>_pub`. */
  readonly slot: string
  /** Prefix of the topics it publishes to (`<namespace>outbox.event.<aggregateType>`). */
  readonly namespace: string
  readonly auth: ServiceAuthConfig
}

/** The JSON Schema of {@link RelayConfig}. */
export const RELAY_CONFIG_SCHEMA: ObjectSchema = {
  type: 'object',
  properties: {
    databaseUrl: { type: 'string', minLength: 1 },
    brokers: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
    slot: { type: 'string', pattern: '^[a-z0-9_]{1,63}$' },
    namespace: { type: 'string', default: '' },
    auth: SERVICE_AUTH_CONFIG_SCHEMA,
  },
  required: ['databaseUrl', 'brokers', 'slot', 'auth'],
}

/** Slot names are cluster-wide and take only `[a-z0-9_]`. */
function slotName(namespace: string, database: string): string {
  return `${namespace}relay_${database}`
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 63)
}

/**
 * `relay-<database>`: the outbox relay of one database, restarted when it crashes. Services that
 * write that database's outbox should `dependsOn` it, so the slot exists before their first event.
 */
export function relayDefinition(
  ctx: TopologyServiceContext,
  database: TopologyDatabaseName,
): ServiceDefinition {
  return {
    name: `relay-${database}`,
    entry: serviceEntry('relay'),
    config: {
      databaseUrl: ctx.databases[database].url,
      brokers: ctx.kafkaBrokers,
      slot: slotName(ctx.namespace, database),
      namespace: ctx.namespace,
      auth: ctx.auth,
    },
    restartPolicy: { restart: 'on-crash' },
  }
}
