/** Env vars the `external` provider reads, one set per service. */
export const ENV = {
  provider: 'FAULTLINE_PROVIDER',
  pgUrl: 'FAULTLINE_PG_URL',
  pgReplicaUrl: 'FAULTLINE_PG_REPLICA_URL',
  redisUrl: 'FAULTLINE_REDIS_URL',
  kafkaBrokers: 'FAULTLINE_KAFKA_BROKERS',
} as const

/** The services infra can start. */
export type ServiceKind = 'postgres' | 'redis' | 'kafka'

/** The env var whose presence makes `auto` pick `external` for a service. */
export const EXTERNAL_VAR: Record<ServiceKind, string> = {
  postgres: ENV.pgUrl,
  redis: ENV.redisUrl,
  kafka: ENV.kafkaBrokers,
}

/** A non-empty env var, or undefined. */
export function readEnv(name: string): string | undefined {
  const value = process.env[name]
  return value === undefined || value.trim() === '' ? undefined : value.trim()
}
