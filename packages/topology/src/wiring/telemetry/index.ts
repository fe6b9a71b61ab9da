export { startTracing } from './tracing/start-tracing.js'
export type { TracingHandle } from './tracing/start-tracing.js'
export { chooseExporters } from './tracing/tracing-options.js'
export type { ExporterChoice, TracingOptions } from './tracing/tracing-options.js'
export { defaultInstrumentations } from './tracing/instrumentations.js'
export type { InstrumentationChoice } from './tracing/instrumentations.js'
export { registerInstrumentationHook } from './tracing/esm-hook.js'
export { JsonlSpanExporter } from './tracing/jsonl-span-exporter.js'
export type { JsonlSpan } from './tracing/jsonl-span-exporter.js'
export { tracingPlugin } from './tracing/tracing-plugin.js'
export {
  extractTraceContext,
  injectTraceContext,
  withConsumerSpan,
} from './tracing/trace-context.js'
export type { ConsumedMessage, HeaderValue, MessageHeaders } from './tracing/trace-context.js'
export { createMetricsRegistry } from './metrics/registry.js'
export type { MetricsRegistryOptions } from './metrics/registry.js'
export { metricsPlugin } from './metrics/http-metrics-plugin.js'
export type { MetricsPluginOptions } from './metrics/http-metrics-plugin.js'
export { checkMetricName } from './metrics/metric-names.js'
export type { MetricKind } from './metrics/metric-names.js'
export { counterFrom, gaugeFrom } from './metrics/derived-metrics.js'
export type { DerivedMetricSpec, LabelledValue, Labels } from './metrics/derived-metrics.js'
export { cacheMetricsHook, registerCacheGauges } from './metrics/cache-metrics.js'
export { registerSagaStateGauge, sagaMetricsListener } from './metrics/saga-metrics.js'
export {
  consumerMetricsListener,
  registerConsumerLag,
  registerRelayMetrics,
} from './metrics/sync-metrics.js'
export type { RelayMetricsSource } from './metrics/sync-metrics.js'
export { createLogger } from './logs/logger.js'
export type { LoggerFactoryOptions } from './logs/logger.js'
export { scrubLogLine, scrubValue } from './logs/scrub.js'
export { isCardNumber, isSecretKey, REDACTED, scrubText } from './logs/text-scrubbers.js'
