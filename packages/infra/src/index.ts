export type {
  KafkaHandle,
  KafkaOptions,
  PostgresHandle,
  PostgresOptions,
  ProviderChoice,
  ProviderName,
  RedisHandle,
  ServiceHandle,
  StartOptions,
} from './types.js'
export { InfraError, isInfraError, redactUrl } from './errors.js'
export type { InfraErrorCode, InfraErrorContext } from './errors.js'
