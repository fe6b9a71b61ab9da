import {
  startKafka,
  startPostgres,
  startRedis,
  type KafkaHandle,
  type PostgresHandle,
  type RedisHandle,
} from '@faultline/infra'
import { TopologyError } from '../errors.js'
import type { DatabaseUrls, TopologyDatabaseName } from '../services/shared/context.js'

/** The servers a topology runs on: `@faultline/infra` handles (local, docker or external). */
export interface TopologyInfra {
  /** A primary with a hot standby (`replica: true`). */
  readonly postgres: PostgresHandle
  readonly redis: RedisHandle
  readonly kafka: KafkaHandle
}

/** Every database of the topology, one per service. */
export const TOPOLOGY_DATABASES: readonly TopologyDatabaseName[] = [
  'catalog',
  'orders',
  'inventory',
  'payments',
  'search',
  'shipping',
]

/** Starts Postgres (primary + standby), Redis and Kafka side by side. */
export async function startTopologyInfra(options: {
  replicaApplyDelayMs: number
  log?: (line: string) => void
}): Promise<TopologyInfra> {
  const log = options.log ?? (() => undefined)
  const started = await Promise.allSettled([
    startPostgres({ replica: true, replicaApplyDelayMs: options.replicaApplyDelayMs, log }),
    startRedis({ log }),
    startKafka({ log }),
  ])
  const [postgres, redis, kafka] = started
  if (
    postgres.status === 'fulfilled' &&
    redis.status === 'fulfilled' &&
    kafka.status === 'fulfilled'
  )
    return { postgres: postgres.value, redis: redis.value, kafka: kafka.value }
  // One failed: stop what did start, so a retry does not pile servers up.
  const running = started.flatMap((outcome) =>
    outcome.status === 'fulfilled' ? [outcome.value] : [],
  )
  await Promise.all(running.map((handle) => handle.stop()))
  const failure = started.find((outcome) => outcome.status === 'rejected')
  throw failure?.reason
}

/**
 * Creates the six databases (each is on the standby once this returns). A Postgres without a
 * standby is refused: the catalog's reads are replica reads.
 */
export async function createTopologyDatabases(
  postgres: PostgresHandle,
): Promise<Record<TopologyDatabaseName, DatabaseUrls>> {
  const entries = await Promise.all(
    TOPOLOGY_DATABASES.map(async (name) => {
      const { url, replicaUrl } = await postgres.createDatabase(name)
      if (replicaUrl === undefined)
        throw new TopologyError(
          'E_TOPOLOGY_INVALID_OPTION',
          'infra.postgres has no hot standby; start it with startPostgres({ replica: true })',
          { context: { option: 'infra.postgres' } },
        )
      return [name, { url, replicaUrl }] as const
    }),
  )
  return Object.fromEntries(entries) as Record<TopologyDatabaseName, DatabaseUrls>
}
