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
/** The LSN type `PostgresHandle.replayLsn()` returns; the same binding as `@faultline/common`'s. */
export type { Lsn } from '@faultline/common'
export { startKafka, startPostgres, startRedis } from './start.js'
export { startKafkaConnect } from './connect/start-connect.js'
export { debeziumOutboxConnector, DEBEZIUM_OUTBOX_TUNING } from './connect/debezium-outbox.js'
export type { DebeziumOutboxOptions, DebeziumOutboxTuning } from './connect/debezium-outbox.js'
export {
  DEBEZIUM_POSTGRES_PLUGIN,
  DEBEZIUM_VERSION,
  ensureConnectPlugin,
  ensureConnectWorkerJars,
} from './connect/connect-jars.js'
export type { ConnectPlugin } from './connect/connect-jars.js'
export type { JvmProfile } from './local/kafka-config.js'
export type {
  ConnectState,
  ConnectorDefinition,
  ConnectorStatus,
  KafkaConnectHandle,
  KafkaConnectOptions,
} from './connect/types.js'
export { chooseProvider } from './providers/choose.js'
export type { ProviderDecision } from './providers/choose.js'
export { ENV as INFRA_ENV } from './providers/env.js'
export { dockerUnavailableReason } from './providers/docker-probe.js'
export { DOCKER_IMAGES } from './docker/docker-services.js'
/**
 * The exit watchdog, for other packages that start processes of their own (the topology's
 * supervisor and load balancer): a tracked process group is SIGKILLed, and a tracked dir removed,
 * when this process exits, even by SIGKILL. Start the process with `detached: true` so that it
 * leads its own group.
 */
export {
  removeTrackedDir,
  signalGroup,
  trackDir,
  trackProcessGroup,
  untrackProcessGroup,
} from './local/cleanup.js'
export { tapQueries } from './postgres/tap-queries.js'
export { startZipkin } from './zipkin/start-zipkin.js'
export type { ZipkinHandle, ZipkinOptions } from './zipkin/start-zipkin.js'
export { ensureZipkinJar, ZIPKIN_VERSION } from './zipkin/zipkin-jar.js'
export { getZipkinTrace, waitForZipkinTrace } from './zipkin/zipkin-api.js'
export type { TraceCondition, ZipkinSpan } from './zipkin/zipkin-api.js'
export { startPrometheus } from './prometheus/start-prometheus.js'
export type {
  PrometheusHandle,
  PrometheusOptions,
  PrometheusTls,
} from './prometheus/start-prometheus.js'
export type { PromSample, PromTarget } from './prometheus/prometheus-api.js'
export type { ScrapeTarget } from './prometheus/prometheus-config.js'
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
export { checkFlat, collectGarbage, fitLine, sampleProcess } from './soak.js'
export type { FlatOptions, FlatVerdict, LineFit, ProcessSample } from './soak.js'
