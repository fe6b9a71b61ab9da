import { context, propagation, trace } from '@opentelemetry/api'
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { NodeSDK } from '@opentelemetry/sdk-node'
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import { TopologyError } from '../../../errors.js'
import { registerInstrumentationHook } from './esm-hook.js'
import { defaultInstrumentations } from './instrumentations.js'
import { JsonlSpanExporter } from './jsonl-span-exporter.js'
import { checkTracingOptions, chooseExporters, type TracingOptions } from './tracing-options.js'

/** A running tracing setup. */
export interface TracingHandle {
  /** Which exporters are on, e.g. `['zipkin']`, `['otlp']`, `['file:/tmp/.../orders.jsonl']`. */
  readonly exporters: readonly string[]
  /** Exports every finished span now. */
  forceFlush(): Promise<void>
  /** Flushes and stops; spans after this are dropped. */
  shutdown(): Promise<void>
}

let running = false

function buildExporters(options: TracingOptions): { names: string[]; exporters: SpanExporter[] } {
  const choice = chooseExporters(options)
  const names: string[] = []
  const exporters: SpanExporter[] = [...(options.exporters ?? [])]
  if (choice.otlp) {
    names.push('otlp')
    exporters.push(new OTLPTraceExporter())
  }
  if (choice.zipkinUrl !== undefined) {
    names.push('zipkin')
    exporters.push(new ZipkinExporter({ url: `${choice.zipkinUrl}/api/v2/spans` }))
  }
  if (choice.filePath !== undefined) {
    names.push(`file:${choice.filePath}`)
    exporters.push(new JsonlSpanExporter(choice.filePath))
  }
  return { names, exporters }
}

/**
 * Starts OpenTelemetry for one service process: W3C trace context, parent-based ratio sampling,
 * the default instrumentations, and batch export to OTLP/HTTP, Zipkin or a JSON-lines file (see
 * {@link chooseExporters}). Call it before importing fastify, pg, ioredis or kafkajs.
 */
export function startTracing(options: TracingOptions): TracingHandle {
  checkTracingOptions(options)
  if (running) {
    throw new TopologyError(
      'E_TOPOLOGY_TRACING_ALREADY_STARTED',
      'tracing is already started in this process.',
    )
  }
  if (options.registerEsmHook ?? true) registerInstrumentationHook()
  const { names, exporters } = buildExporters(options)
  const delay = options.batchDelayMs ?? 1000
  const processors: SpanProcessor[] = exporters.map(
    (e) => new BatchSpanProcessor(e, { scheduledDelayMillis: delay }),
  )
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({
      'service.name': options.serviceName,
      'service.namespace': 'faultline',
      'service.instance.id': options.serviceInstanceId ?? String(process.pid),
    }),
    sampler: new ParentBasedSampler({
      root: new TraceIdRatioBasedSampler(options.samplingRatio ?? 1),
    }),
    spanProcessors: processors,
    // Metrics are prom-client's and logs are pino's: without these two, the SDK would start
    // OTLP metric and log exporters aimed at localhost:4318 whenever their env vars are unset.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [...(options.instrumentations ?? defaultInstrumentations())],
  })
  sdk.start()
  running = true
  return {
    exporters: names,
    forceFlush: async () => {
      await Promise.all(processors.map((p) => p.forceFlush()))
    },
    shutdown: async () => {
      await sdk.shutdown()
      // The API keeps the stopped provider registered and refuses another; a restart must work.
      trace.disable()
      context.disable()
      propagation.disable()
      running = false
    },
  }
}
