import type { KafkaHandle, PostgresHandle, PostgresOptions, RedisHandle } from '../types.js'
import { freePort } from '../local/free-port.js'
import { PostgresClusterHandle } from '../postgres/postgres-handle.js'
import { postgresUrl } from '../postgres/pg-query.js'
import { DockerHandle } from './docker-handle.js'

/** Images the docker provider runs; the same majors as the local provider. */
export const DOCKER_IMAGES = {
  postgres: 'postgres:15',
  redis: 'redis:7',
  kafka: 'apache/kafka:4.1.0',
} as const

const PG_SETTINGS = [
  '-c',
  'wal_level=logical',
  '-c',
  'max_wal_senders=20',
  '-c',
  'max_replication_slots=20',
  '-c',
  'track_commit_timestamp=on',
  '-c',
  'hot_standby=on',
  '-c',
  'fsync=off',
]

async function testcontainers() {
  return import('testcontainers')
}

/** Starts a Postgres container (and a `pg_basebackup -R` standby container on one network). */
export async function dockerPostgres(options: PostgresOptions): Promise<PostgresHandle> {
  const { GenericContainer, Network, Wait } = await testcontainers()
  const network = await new Network().start()
  const port = await freePort()
  const primaryContainer = await new GenericContainer(DOCKER_IMAGES.postgres)
    .withNetwork(network)
    .withNetworkAliases('pg-primary')
    .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust' })
    .withCommand(['postgres', ...PG_SETTINGS])
    .withExposedPorts({ container: 5432, host: port })
    .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
    .start()
  const primary = new DockerHandle(
    'postgres',
    primaryContainer,
    port,
    postgresUrl('127.0.0.1', port),
  )
  if (options.replica !== true) {
    return new PostgresClusterHandle(primary, undefined, async () => void (await network.stop()))
  }
  const replicaPort = await freePort()
  const delay = options.replicaApplyDelayMs ?? 0
  const script =
    'until pg_basebackup -h pg-primary -U postgres -D /tmp/replica -R -X stream; do sleep 1; done; ' +
    `echo "recovery_min_apply_delay = '${delay}ms'" >> /tmp/replica/postgresql.auto.conf; ` +
    'chmod 700 /tmp/replica; exec postgres -D /tmp/replica'
  const replicaContainer = await new GenericContainer(DOCKER_IMAGES.postgres)
    .withNetwork(network)
    .withUser('postgres')
    .withEntrypoint(['bash', '-c', script])
    .withExposedPorts({ container: 5432, host: replicaPort })
    .withWaitStrategy(
      Wait.forLogMessage(/database system is ready to accept read-only connections/),
    )
    .start()
  const replica = new DockerHandle(
    'postgres-replica',
    replicaContainer,
    replicaPort,
    postgresUrl('127.0.0.1', replicaPort),
  )
  return new PostgresClusterHandle(primary, replica, async () => void (await network.stop()), delay)
}

/** Starts a Redis container with persistence off. */
export async function dockerRedis(): Promise<RedisHandle> {
  const { GenericContainer, Wait } = await testcontainers()
  const port = await freePort()
  const container = await new GenericContainer(DOCKER_IMAGES.redis)
    .withCommand(['redis-server', '--save', '', '--appendonly', 'no'])
    .withExposedPorts({ container: 6379, host: port })
    .withWaitStrategy(Wait.forLogMessage(/Ready to accept connections/))
    .start()
  return new DockerHandle('redis', container, port, `redis://127.0.0.1:${port}`)
}

/**
 * Starts a single-node KRaft Kafka container. The broker listens inside on the same port number
 * that is bound on the host, so the advertised address works from the host.
 */
export async function dockerKafka(): Promise<KafkaHandle> {
  const { GenericContainer, Wait } = await testcontainers()
  const port = await freePort()
  const container = await new GenericContainer(DOCKER_IMAGES.kafka)
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: `PLAINTEXT://:${port},CONTROLLER://:9093`,
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${port}`,
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_GROUP_MIN_SESSION_TIMEOUT_MS: '1000',
      KAFKA_HEAP_OPTS: '-Xmx512m -Xms512m',
    })
    .withExposedPorts({ container: port, host: port })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .start()
  const handle = new DockerHandle('kafka', container, port, `127.0.0.1:${port}`)
  return Object.assign(handle, { brokers: [`127.0.0.1:${port}`] })
}
