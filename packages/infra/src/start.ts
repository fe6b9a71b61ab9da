import type {
  KafkaHandle,
  KafkaOptions,
  PostgresHandle,
  PostgresOptions,
  ProviderName,
  RedisHandle,
  StartOptions,
} from './types.js'
import { chooseProvider, logDecision } from './providers/choose.js'
import type { ServiceKind } from './providers/env.js'
import { externalKafka, externalPostgres, externalRedis } from './providers/external.js'
import { startLocalPostgres } from './postgres/start-local.js'
import { startLocalRedis } from './redis/start-local.js'
import { startLocalKafka } from './local/kafka.js'

type Starters<H> = Record<ProviderName, () => Promise<H>>

async function startWith<H>(
  service: ServiceKind,
  options: StartOptions,
  starters: Starters<H>,
): Promise<H> {
  const decision = await chooseProvider(service, options.provider)
  logDecision(service, decision, options.log)
  return starters[decision.provider]()
}

async function docker() {
  return import('./docker/docker-services.js')
}

/**
 * Starts Postgres: a primary with `wal_level=logical` and `track_commit_timestamp=on`, plus a
 * streaming hot standby when `replica: true` (lagging by `replicaApplyDelayMs` when set).
 */
export function startPostgres(options: PostgresOptions = {}): Promise<PostgresHandle> {
  return startWith('postgres', options, {
    local: () => startLocalPostgres(options),
    docker: async () => (await docker()).dockerPostgres(options),
    external: () => Promise.resolve(externalPostgres(options)),
  })
}

/** Starts Redis with persistence off. */
export function startRedis(options: StartOptions = {}): Promise<RedisHandle> {
  return startWith('redis', options, {
    local: () => startLocalRedis(),
    docker: async () => (await docker()).dockerRedis(),
    external: () => Promise.resolve(externalRedis()),
  })
}

/** Starts a single-node KRaft Kafka broker; ready once an admin call answers. */
export function startKafka(options: KafkaOptions = {}): Promise<KafkaHandle> {
  return startWith('kafka', options, {
    local: () => startLocalKafka(options),
    docker: async () => (await docker()).dockerKafka(),
    external: () => Promise.resolve(externalKafka()),
  })
}
