import type { ServiceHandle } from '../types.js'
import type { JvmProfile } from '../local/kafka-config.js'
import type { ConnectPlugin } from './connect-jars.js'

/** One connector for a standalone worker: its config and what the worker needs to run it. */
export interface ConnectorDefinition {
  /** The connector's name, as the REST API shows it. */
  readonly name: string
  /** Connector properties (`connector.class`, `tasks.max`, transforms, ...); `name` is added. */
  readonly config: Readonly<Record<string, string>>
  /** Plugins whose jars go on the worker's `plugin.path`. */
  readonly plugins: readonly ConnectPlugin[]
  /**
   * Worker properties this connector relies on (converters, producer settings); they override
   * the worker defaults, and {@link KafkaConnectOptions.worker} overrides them.
   */
  readonly worker?: Readonly<Record<string, string>>
}

/** Options for {@link startKafkaConnect}. */
export interface KafkaConnectOptions {
  /** Bootstrap brokers as `host:port`, e.g. a {@link KafkaHandle}'s `brokers`. */
  readonly brokers: readonly string[]
  /** The connector the worker runs, e.g. from {@link debeziumOutboxConnector}. */
  readonly connector: ConnectorDefinition
  /** Worker properties that override everything else, e.g. `{ 'offset.flush.interval.ms': '100' }`. */
  readonly worker?: Readonly<Record<string, string>>
  /** JVM heap in MB. @default 512 */
  readonly heapMb?: number
  /**
   * `fast-start` (C1 only, serial GC) or `throughput` (Kafka's own G1 flags with the full JIT).
   * `throughput` pays off in long runs with cores to spare; on 2 busy cores the C2 compiler
   * threads cost more than they return within a minute (measured: 20,000- and 40,000-event
   * Debezium drains ran 1.7–2.7x faster with `fast-start`). @default 'fast-start'
   */
  readonly jvm?: JvmProfile
  /** Limit for the connector and its tasks to reach RUNNING. @default 120000 */
  readonly readyTimeoutMs?: number
  /** Root of the jar cache. @default `$FAULTLINE_CACHE_DIR`, else `~/.cache/faultline` */
  readonly cacheDir?: string
  /** Receives progress lines (jar resolution on first use); defaults to stderr. */
  readonly log?: (line: string) => void
}

/** A connector's or task's state as the Connect REST API reports it. */
export type ConnectState = 'UNASSIGNED' | 'RUNNING' | 'PAUSED' | 'STOPPED' | 'FAILED' | 'RESTARTING'

/** The body of `GET /connectors/<name>/status`. */
export interface ConnectorStatus {
  readonly name: string
  readonly connector: { readonly state: ConnectState; readonly trace?: string }
  readonly tasks: readonly {
    readonly id: number
    readonly state: ConnectState
    readonly trace?: string
  }[]
}

/**
 * A running standalone Kafka Connect worker with one connector. `url` is the REST API
 * (`http://127.0.0.1:<port>`). Process faults act on the worker's JVM; `restart()` resumes from
 * the offsets the worker stored in its temp dir. `stop()` sends SIGTERM, then SIGKILL after 15 s,
 * and removes the temp dir.
 */
export interface KafkaConnectHandle extends ServiceHandle {
  /** The connector's name. */
  readonly connector: string
  /** The connector's current status from the REST API. */
  status(): Promise<ConnectorStatus>
}
