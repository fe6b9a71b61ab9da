import type { Lsn } from '@faultline/common'

/** Which backend provider serves a handle. */
export type ProviderName = 'local' | 'docker' | 'external'

/** A provider choice as the caller states it; `auto` picks external, then docker, then local. */
export type ProviderChoice = ProviderName | 'auto'

/**
 * A running backing service. Process faults (`kill`, `pause`, `resume`, `restart`) act on the
 * real server process; on the `external` provider they reject with `E_INFRA_UNSUPPORTED`.
 */
export interface ServiceHandle {
  /** Service kind, e.g. `postgres`, `postgres-replica`, `redis`, `kafka`. */
  readonly service: string
  /** The provider that started this handle. */
  readonly provider: ProviderName
  /** Connection URL (`postgres://…`, `redis://…`, or `host:port` for Kafka). */
  readonly url: string
  /** Host the service listens on. */
  readonly host: string
  /** Port the service listens on; stable across `restart()`. */
  readonly port: number
  /** Graceful shutdown; removes the data unless the handle is restarted later. Idempotent. */
  stop(): Promise<void>
  /** SIGKILL the server (its whole process group); data stays for `restart()`. */
  kill(): Promise<void>
  /** SIGSTOP the server: connections stay open but nothing answers. */
  pause(): Promise<void>
  /** SIGCONT a paused server. */
  resume(): Promise<void>
  /** Stop (or after `kill()`, just start) the server again on the same port with the same data. */
  restart(): Promise<void>
  /** The tail of the server's log, `lines` lines long (default 30). */
  logs(lines?: number): Promise<string>
}

/** A Postgres primary, optionally with a streaming hot standby. */
export interface PostgresHandle extends ServiceHandle {
  /** Hot standby URL, when started with `replica: true`. */
  readonly replicaUrl: string | undefined
  /** The replica's own process handle (faults on the standby), when there is one. */
  readonly replica: ServiceHandle | undefined
  /** Bytes of WAL written on the primary but not yet replayed on the replica. */
  replicaLagBytes(): Promise<bigint>
  /**
   * The replica's `pg_last_wal_replay_lsn()` in the canonical text form every Faultline package
   * returns (`formatLsn` from `@faultline/common`), e.g. `0/3000148`; compare it with
   * `compareLsn`, never as text.
   */
  replayLsn(): Promise<Lsn>
  /** Creates a database (on the primary; it streams to the replica) and returns its URL. */
  createDatabase(name: string): Promise<{ url: string; replicaUrl: string | undefined }>
}

/** A Redis server. */
export type RedisHandle = ServiceHandle

/** A single-node Kafka cluster. */
export interface KafkaHandle extends ServiceHandle {
  /** Bootstrap brokers as `host:port` strings. */
  readonly brokers: string[]
}

/** Options shared by every `startX()` call. */
export interface StartOptions {
  /** @default 'auto' */
  provider?: ProviderChoice
  /** Receives one line per decision (which provider, why); defaults to stderr. */
  log?: (line: string) => void
}

/** Options for {@link startPostgres}. */
export interface PostgresOptions extends StartOptions {
  /** Start a streaming hot standby made with `pg_basebackup -R`. @default false */
  replica?: boolean
  /** `recovery_min_apply_delay` on the replica, for deterministic lag. @default 0 */
  replicaApplyDelayMs?: number
}

/** Options for {@link startKafka}. */
export interface KafkaOptions extends StartOptions {
  /** JVM heap for the broker. @default 512 */
  heapMb?: number
}
