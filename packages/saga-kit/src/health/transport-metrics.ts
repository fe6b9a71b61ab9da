import type { DatabaseStatus } from './database-health.js'

/** What `metrics()` of saga-kit's transports returns. */
export interface TransportMetricsSnapshot {
  /**
   * Whether the transport's database answers, and where it is: the queue's database for the
   * Postgres queue transport, the consumer store's for the sync-kit transport.
   */
  readonly database: DatabaseStatus
}
