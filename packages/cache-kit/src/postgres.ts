/**
 * Replica-aware loading for Postgres: `import { createReplicaRouter } from '@faultline/cache-kit/postgres'`.
 * Writes return a read-your-writes token (a commit LSN); reads go to the replica once it has
 * replayed the token or the key's invalidation LSN, else (after a bounded wait) to the primary.
 * Takes `pg` pools the caller owns; this module does not import `pg` itself.
 */
export { createReplicaRouter } from './replica/router.js'
export type {
  PrimaryReason,
  ReadOptions,
  ReadResult,
  ReplicaQuery,
  ReplicaRouter,
  ReplicaRouterStats,
  Route,
} from './replica/router.js'
export { REPLICA_DEFAULTS } from './replica/options.js'
export type { ReplicaRouterOptions } from './replica/options.js'
export type { WriteResult } from './replica/write.js'
export type { SqlPool, SqlSession } from './replica/sql.js'
export type { SqlClient, SqlResult } from '@faultline/common'
