import type {
  KafkaHandle,
  KafkaOptions,
  PostgresHandle,
  PostgresOptions,
  ProviderName,
  RedisHandle,
  StartOptions,
} from './types.js'
import { invalidOption } from './errors.js'
import { checkLog } from './options.js'
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
  checkLog(options.log, { service })
  const decision = await chooseProvider(service, options.provider)
  logDecision(service, decision, options.log)
  return starters[decision.provider]()
}

async function docker() {
  return import('./docker/docker-services.js')
}

/** Postgres's own limit for `recovery_min_apply_delay` (an int of milliseconds). */
const MAX_APPLY_DELAY_MS = 2_147_483_647

/** Checks {@link PostgresOptions} before any provider sees them (the docker one puts the delay in a shell line). */
function checkPostgresOptions(options: PostgresOptions): void {
  const { replica, replicaApplyDelayMs: delay } = options
  if (replica !== undefined && typeof replica !== 'boolean') {
    throw invalidOption('replica', replica, 'true or false', { service: 'postgres' })
  }
  if (delay === undefined) return
  if (!Number.isSafeInteger(delay) || delay < 0 || delay > MAX_APPLY_DELAY_MS) {
    const range = `an integer number of ms from 0 to ${MAX_APPLY_DELAY_MS}`
    throw invalidOption('replicaApplyDelayMs', delay, range, { service: 'postgres' })
  }
  if (delay > 0 && replica !== true) {
    throw invalidOption('replica', replica, 'true when replicaApplyDelayMs is set', {
      service: 'postgres',
    })
  }
}

/**
 * Starts Postgres: a primary with `wal_level=logical` and `track_commit_timestamp=on`, plus a
 * streaming hot standby when `replica: true` (lagging by `replicaApplyDelayMs` when set).
 *
 * @throws InfraError `E_INFRA_INVALID_OPTION` for a `replicaApplyDelayMs` that is not an integer
 *   from 0 to 2147483647, or one set without `replica: true`.
 */
export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresHandle> {
  checkPostgresOptions(options)
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
