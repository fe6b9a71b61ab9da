import { formatLsn, type Lsn } from '@faultline/common'
import { InfraError, invalidOption } from '../errors.js'
import type { PostgresHandle, ProviderName, ServiceHandle } from '../types.js'
import { queryOnce, withDatabase } from './pg-query.js'
import {
  readReplayLsn,
  readReplicaLagBytes,
  waitForReplay,
  writePosition,
} from './replication-status.js'

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/
/** How long `createDatabase()` waits for the standby beyond its apply delay: only a hang takes it. */
const REPLAY_WAIT_MS = 120_000

/** Extra work to do once both servers are stopped (e.g. remove the cluster's temp dir). */
export type AfterStop = () => Promise<void> | void

/**
 * A primary plus an optional standby, as one {@link PostgresHandle}. Process faults act on the
 * primary; `replica` exposes the standby's own handle for faults there.
 */
export class PostgresClusterHandle implements PostgresHandle {
  readonly service = 'postgres'
  readonly provider: ProviderName
  readonly url: string
  readonly host: string
  readonly port: number
  readonly replicaUrl: string | undefined

  constructor(
    private readonly primary: ServiceHandle,
    readonly replica: ServiceHandle | undefined,
    private readonly afterStop: AfterStop = () => undefined,
    /** The standby's `recovery_min_apply_delay`: it shows a new database no sooner. */
    private readonly applyDelayMs = 0,
  ) {
    this.provider = primary.provider
    this.url = primary.url
    this.host = primary.host
    this.port = primary.port
    this.replicaUrl = replica?.url
  }

  async stop(): Promise<void> {
    await this.replica?.stop()
    await this.primary.stop()
    await this.afterStop()
  }

  kill(): Promise<void> {
    return this.primary.kill()
  }

  pause(): Promise<void> {
    return this.primary.pause()
  }

  resume(): Promise<void> {
    return this.primary.resume()
  }

  restart(): Promise<void> {
    return this.primary.restart()
  }

  logs(lines?: number): Promise<string> {
    return this.primary.logs(lines)
  }

  replicaLagBytes(): Promise<bigint> {
    return readReplicaLagBytes(this.url, this.requireReplica())
  }

  replayLsn(): Promise<Lsn> {
    return readReplayLsn(this.requireReplica())
  }

  /**
   * Creates the database and, with a replica, waits until the standby has it too (its apply delay
   * plus two minutes at most, then `E_INFRA_TIMEOUT`: a URL that does not work yet is never
   * handed out).
   */
  async createDatabase(name: string): Promise<{ url: string; replicaUrl: string | undefined }> {
    if (typeof name !== 'string' || !IDENTIFIER.test(name)) {
      throw invalidOption(
        'database name',
        name,
        `a plain SQL identifier matching ${IDENTIFIER.source}`,
        {
          service: 'postgres',
        },
      )
    }
    await queryOnce(this.url, `CREATE DATABASE ${name}`)
    if (this.replicaUrl === undefined)
      return { url: withDatabase(this.url, name), replicaUrl: undefined }
    const created = await writePosition(this.url)
    if (!(await waitForReplay(this.replicaUrl, created, REPLAY_WAIT_MS + this.applyDelayMs))) {
      throw new InfraError(
        'E_INFRA_TIMEOUT',
        `The replica did not replay database ${name} (up to ${formatLsn(created)}) in time: is it streaming? See replica.logs().`,
        { context: { service: 'postgres-replica', database: name }, retryable: true },
      )
    }
    return { url: withDatabase(this.url, name), replicaUrl: withDatabase(this.replicaUrl, name) }
  }

  private requireReplica(): string {
    if (this.replicaUrl === undefined) {
      throw new InfraError(
        'E_INFRA_INVALID_OPTION',
        'This Postgres was started without a replica: pass { replica: true } to startPostgres().',
        { context: { service: 'postgres', option: 'replica' } },
      )
    }
    return this.replicaUrl
  }
}
