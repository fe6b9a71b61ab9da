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
export { startKafka, startPostgres, startRedis } from './start.js'
export { chooseProvider } from './providers/choose.js'
export type { ProviderDecision } from './providers/choose.js'
export { ENV as INFRA_ENV } from './providers/env.js'
export { dockerUnavailableReason } from './providers/docker-probe.js'
export { DOCKER_IMAGES } from './docker/docker-services.js'
export { lsnToBigInt } from './postgres/pg-query.js'
export { createFaultProxy } from './fault-proxy/index.js'
export type {
  BandwidthAttributes,
  DownAttributes,
  FaultProxy,
  FaultProxyOptions,
  LatencyAttributes,
  LimitDataAttributes,
  ResetPeerAttributes,
  SlicerAttributes,
  TimeoutAttributes,
  ToxicAttributesByType,
  ToxicInfo,
  ToxicSpec,
  ToxicStream,
  ToxicType,
  ToxicUpdate,
} from './fault-proxy/index.js'
