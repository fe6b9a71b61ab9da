import type { RestartPolicy } from '../../supervisor/restart-policy.js'
import type { ServiceDefinition } from '../../supervisor/types.js'
import type { TopologyDatabaseName, TopologyServiceContext } from '../shared/context.js'
import { serviceEntry } from '../shared/entry.js'
import { TOPIC_PARTITIONS, outboxTopic } from '../shared/names.js'

/** What differs between one database's relay and another's. */
export interface RelayOptions {
  /**
   * The aggregate types (saga-kit: channels) whose events this database's outbox holds; their
   * topics are created before the relay is ready.
   */
  readonly aggregateTypes: readonly string[]
  /** @default { restart: 'on-crash' } */
  readonly restartPolicy?: RestartPolicy
  /** Pino level of the relay process. @default 'info' */
  readonly logLevel?: string
}

/**
 * The replication slot of one database's relay. Slots are per cluster, not per database, so the
 * name carries the database and the namespace; Postgres allows `[a-z0-9_]`, at most 63 chars.
 */
export function relaySlot(namespace: string, database: string): string {
  return `${namespace}relay_${database}`
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 63)
}

/**
 * `relay-<database>`: the outbox relay of one database (one instance: a slot has one reader),
 * the same module (`src/services/relay/`) for every database, catalog and order side. Services
 * that write that database's outbox `dependsOn` it, so the slot exists before their first event:
 * a slot sees only what commits after it is created.
 */
export function relayDefinition(
  ctx: TopologyServiceContext,
  database: TopologyDatabaseName,
  options: RelayOptions,
): ServiceDefinition {
  return {
    name: `relay-${database}`,
    entry: serviceEntry('relay'),
    config: {
      databaseUrl: ctx.databases[database].url,
      database,
      kafkaBrokers: [...ctx.kafkaBrokers],
      slot: relaySlot(ctx.namespace, database),
      namespace: ctx.namespace,
      topics: options.aggregateTypes.map((type) => outboxTopic(ctx.namespace, type)),
      partitions: TOPIC_PARTITIONS,
      logLevel: options.logLevel ?? 'info',
      auth: ctx.auth,
    },
    restartPolicy: options.restartPolicy ?? { restart: 'on-crash' },
  }
}
