/**
 * Replica-aware loading for Postgres: `import { createReplicaRouter } from '@faultline/cache-kit/postgres'`.
 * Writes return a read-your-writes token (a commit LSN); reads go to the replica once it has
 * replayed the token or the key's invalidation LSN, else (after a bounded wait) to the primary.
 */
export { createReplicaRouter, ReplicaRouter } from './replica/router.js'
export type {
  PrimaryReason,
  ReadOptions,
  ReadResult,
  ReplicaQuery,
  ReplicaRouterStats,
  Route,
} from './replica/router.js'
export { REPLICA_DEFAULTS } from './replica/options.js'
export type { ReplicaRouterOptions } from './replica/options.js'
export type { WriteResult } from './replica/write.js'
export { parseToken, toToken } from './replica/token.js'
export type { ReadToken } from './replica/token.js'
export type { SqlPool, SqlQueryable, SqlResult, SqlSession } from './replica/sql.js'
