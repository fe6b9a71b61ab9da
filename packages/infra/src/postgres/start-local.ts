import type { PostgresHandle, PostgresOptions } from '../types.js'
import { removeTrackedDir } from '../local/cleanup.js'
import { startLocalCluster } from './local-postgres.js'
import { PostgresClusterHandle } from './postgres-handle.js'

/** Starts a local primary (plus standby) from the installed Postgres binaries. */
export async function startLocalPostgres(options: PostgresOptions = {}): Promise<PostgresHandle> {
  const cluster = await startLocalCluster(options)
  return new PostgresClusterHandle(
    cluster.primary,
    cluster.replica,
    () => removeTrackedDir(cluster.root),
    options.replicaApplyDelayMs,
  )
}
