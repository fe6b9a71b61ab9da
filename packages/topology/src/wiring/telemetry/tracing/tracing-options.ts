import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Instrumentation } from '@opentelemetry/instrumentation'
import type { SpanExporter } from '@opentelemetry/sdk-trace-base'
import { badTelemetryOption } from '../telemetry-error.js'

/** Options for {@link startTracing}. */
export interface TracingOptions {
  /** `service.name` on every span, e.g. `orders`. */
  readonly serviceName: string
  /** `service.instance.id`, e.g. `catalog-query-2`. @default the process id */
  readonly serviceInstanceId?: string
  /** A Zipkin server's base URL (`http://127.0.0.1:9411`); spans go to `/api/v2/spans`. */
  readonly zipkinUrl?: string
  /**
   * The JSON-lines file spans go to when neither OTLP nor Zipkin is configured.
   * @default `<tmpdir>/faultline-traces/<serviceName>.jsonl`
   */
  readonly filePath?: string
  /**
   * The share of new traces (root spans) recorded, 0 to 1. A span with a remote parent follows
   * the parent's decision (parent-based), so a trace is never half-recorded across services.
   * @default 1
   */
  readonly samplingRatio?: number
  /** How long spans wait to be exported in a batch. @default 1000 */
  readonly batchDelayMs?: number
  /** Where `OTEL_EXPORTER_OTLP_ENDPOINT` is read. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>
  /** @default the HTTP, undici, pg, ioredis and kafkajs instrumentations */
  readonly instrumentations?: readonly Instrumentation[]
  /**
   * Registers OpenTelemetry's ESM loader hook, without which ESM imports of ioredis and kafkajs
   * are not instrumented. Modules imported before {@link startTracing} stay uninstrumented, so a
   * service's entry starts tracing first and imports the rest dynamically. @default true
   */
  readonly registerEsmHook?: boolean
  /** Extra exporters, e.g. an in-memory one in tests. */
  readonly exporters?: readonly SpanExporter[]
}

/** Which exporters a configuration selects. */
export interface ExporterChoice {
  readonly otlp: boolean
  readonly zipkinUrl: string | undefined
  readonly filePath: string | undefined
}

const SERVICE_NAME = /^[a-z][a-z0-9-]{0,62}$/

/** Checks the options that can be wrong before anything starts. */
export function checkTracingOptions(options: TracingOptions): void {
  if (!SERVICE_NAME.test(options.serviceName)) {
    throw badTelemetryOption('serviceName', 'serviceName must be a lowercase name like "orders".')
  }
  const ratio = options.samplingRatio ?? 1
  if (!(typeof ratio === 'number' && ratio >= 0 && ratio <= 1)) {
    throw badTelemetryOption('samplingRatio', `samplingRatio must be from 0 to 1, got ${ratio}.`)
  }
  if (options.zipkinUrl !== undefined && !/^https?:\/\/[^/\s]+\/?$/.test(options.zipkinUrl)) {
    throw badTelemetryOption(
      'zipkinUrl',
      'zipkinUrl must be a base URL like http://127.0.0.1:9411.',
    )
  }
}

/**
 * OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` (or `..._TRACES_ENDPOINT`) is set; Zipkin when a
 * `zipkinUrl` is given (both when both are); the JSON-lines file when neither.
 */
export function chooseExporters(options: TracingOptions): ExporterChoice {
  const env = options.env ?? process.env
  const otlp = Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)
  const zipkinUrl = options.zipkinUrl?.replace(/\/$/, '')
  const fallback = join(tmpdir(), 'faultline-traces', `${options.serviceName}.jsonl`)
  const filePath = otlp || zipkinUrl !== undefined ? undefined : (options.filePath ?? fallback)
  return { otlp, zipkinUrl, filePath }
}
