import { context, propagation, trace, type Tracer } from '@opentelemetry/api'
import { node, tracing } from '@opentelemetry/sdk-node'

/** A registered in-memory tracer provider for unit tests; `stop()` unregisters it. */
export interface MemoryTracing {
  readonly tracer: Tracer
  readonly exporter: tracing.InMemorySpanExporter
  stop(): Promise<void>
}

/** Registers a Node tracer provider (AsyncLocalStorage context) that keeps spans in memory. */
export function memoryTracing(): MemoryTracing {
  const exporter = new tracing.InMemorySpanExporter()
  const provider = new node.NodeTracerProvider({
    spanProcessors: [new tracing.SimpleSpanProcessor(exporter)],
  })
  provider.register()
  return {
    tracer: provider.getTracer('test'),
    exporter,
    stop: async () => {
      await provider.shutdown()
      trace.disable()
      context.disable()
      propagation.disable()
    },
  }
}
