import type { ServiceAuthConfig } from './service-auth.js'

/** The databases of the reference topology; one per service, on the infra Postgres cluster. */
export type TopologyDatabaseName =
  'catalog' | 'orders' | 'inventory' | 'payments' | 'search' | 'shipping'

/** Where one database is reachable: the primary for writes, the hot standby for reads. */
export interface DatabaseUrls {
  /** The primary (read-write). */
  readonly url: string
  /** The streaming hot standby (read-only; lags by the infra's `replicaApplyDelayMs`). */
  readonly replicaUrl: string
}

/** The infra servers the topology runs on, as URLs (so services never hold an infra handle). */
export interface TopologyInfraUrls {
  /** The Postgres primary's server URL (no database). */
  readonly postgresUrl: string
  /** The Postgres hot standby's server URL (no database). */
  readonly postgresReplicaUrl: string
  /** `redis://host:port`. */
  readonly redisUrl: string
  /** Kafka bootstrap brokers, `host:port`. */
  readonly kafkaBrokers: readonly string[]
}

/**
 * Everything a service factory needs to describe its processes: computed once by
 * `startTopology` after infra is up and every database exists (created, not yet migrated:
 * each service migrates its own database at start).
 */
export interface TopologyServiceContext {
  readonly infra: TopologyInfraUrls
  /** One entry per database in {@link TopologyDatabaseName}. */
  readonly databases: Readonly<Record<TopologyDatabaseName, DatabaseUrls>>
  /** Same as `infra.kafkaBrokers`, for the common case. */
  readonly kafkaBrokers: readonly string[]
  /** Same as `infra.redisUrl`, for the common case. */
  readonly redisUrl: string
  /** The run's temp dir (logs, generated configs); services may create sub-dirs in it. */
  readonly runDir: string
  /** The run's seed: services derive any randomness (chaos, ids in tests) from it. */
  readonly seed: number
  /**
   * A prefix for Kafka topics and consumer groups, unique per topology run, so two runs on one
   * broker never read each other's events. Empty string when the caller asked for none.
   */
  readonly namespace: string
  /**
   * Register test-only routes (fault hooks such as catalog-query's `POST /ops/test/bus`). Off
   * unless the caller of `startTopology` asks, so a normal run exposes none.
   */
  readonly testHooks: boolean
  /** How every service checks bearer tokens: the issuer's JWKS URL, `iss` and `aud`. */
  readonly auth: ServiceAuthConfig
}
