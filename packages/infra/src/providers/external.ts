import { InfraError, redactUrl } from '../errors.js'
import type {
  KafkaHandle,
  PostgresHandle,
  PostgresOptions,
  RedisHandle,
  ServiceHandle,
} from '../types.js'
import { PostgresClusterHandle } from '../postgres/postgres-handle.js'
import { ENV, readEnv } from './env.js'

/** A server someone else runs: connection info only; process faults raise E_INFRA_UNSUPPORTED. */
class ExternalHandle implements ServiceHandle {
  readonly provider = 'external' as const
  readonly host: string
  readonly port: number

  constructor(
    readonly service: string,
    readonly url: string,
    private readonly envVar: string,
  ) {
    const parsed = new URL(url.includes('://') ? url : `tcp://${url}`)
    this.host = parsed.hostname
    this.port = Number(parsed.port)
  }

  private unsupported(action: string): Promise<never> {
    return Promise.reject(
      new InfraError(
        'E_INFRA_UNSUPPORTED',
        `${action}() is not available for the external ${this.service} at ${redactUrl(this.url)} (${this.envVar}): ` +
          'Faultline does not own that server. Use the local or docker provider for process faults.',
        { context: { service: this.service, provider: 'external' } },
      ),
    )
  }

  /** The server is not ours to stop: this only forgets it. */
  stop(): Promise<void> {
    return Promise.resolve()
  }
  kill(): Promise<void> {
    return this.unsupported('kill')
  }
  pause(): Promise<void> {
    return this.unsupported('pause')
  }
  resume(): Promise<void> {
    return this.unsupported('resume')
  }
  restart(): Promise<void> {
    return this.unsupported('restart')
  }
  logs(): Promise<string> {
    return Promise.resolve(`(external ${this.service}: its logs are not reachable from here)`)
  }
}

function required(name: string, service: string): string {
  const value = readEnv(name)
  if (value === undefined) {
    throw new InfraError(
      'E_INFRA_NO_PROVIDER',
      `The external provider needs ${name} for ${service}.`,
    )
  }
  return value
}

/** Postgres from FAULTLINE_PG_URL (and FAULTLINE_PG_REPLICA_URL when a replica is asked for). */
export function externalPostgres(options: PostgresOptions): PostgresHandle {
  const primary = new ExternalHandle('postgres', required(ENV.pgUrl, 'postgres'), ENV.pgUrl)
  if (options.replica !== true) return new PostgresClusterHandle(primary, undefined)
  const replica = new ExternalHandle(
    'postgres-replica',
    required(ENV.pgReplicaUrl, 'a replica'),
    ENV.pgReplicaUrl,
  )
  if ((options.replicaApplyDelayMs ?? 0) > 0) {
    throw new InfraError(
      'E_INFRA_UNSUPPORTED',
      'replicaApplyDelayMs cannot be set on an external replica: configure recovery_min_apply_delay on it yourself.',
    )
  }
  return new PostgresClusterHandle(primary, replica)
}

/** Redis from FAULTLINE_REDIS_URL. */
export function externalRedis(): RedisHandle {
  return new ExternalHandle('redis', required(ENV.redisUrl, 'redis'), ENV.redisUrl)
}

/** Kafka from FAULTLINE_KAFKA_BROKERS (comma-separated host:port list). */
export function externalKafka(): KafkaHandle {
  const brokers = required(ENV.kafkaBrokers, 'kafka')
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker !== '')
  const handle = new ExternalHandle('kafka', brokers[0] ?? '', ENV.kafkaBrokers)
  return Object.assign(handle, { brokers })
}
