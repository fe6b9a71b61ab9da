import { context, trace, type Context, type Span, type Tracer } from '@opentelemetry/api'

/** The tracer used when none is injected; a no-op until the application registers a provider. */
export const defaultTracer = (): Tracer => trace.getTracer('@faultline/saga-kit')

/**
 * W3C `traceparent` of a span, written by hand so that headers carry trace context even when
 * the application registered no propagator.
 */
export function traceHeaders(span: Span): Record<string, string> {
  const sc = span.spanContext()
  if (!trace.isSpanContextValid(sc)) return {}
  const flags = (sc.traceFlags & 1) === 1 ? '01' : '00'
  return { traceparent: `00-${sc.traceId}-${sc.spanId}-${flags}` }
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/

/** The remote parent context carried by `traceparent`, or the active context when absent. */
export function contextFromHeaders(headers: Readonly<Record<string, string>>): Context {
  const match = TRACEPARENT.exec(headers.traceparent ?? '')
  if (match === null) return context.active()
  const [, traceId = '', spanId = '', flags = '00'] = match
  return trace.setSpanContext(context.active(), {
    traceId,
    spanId,
    traceFlags: Number.parseInt(flags, 16),
    isRemote: true,
  })
}
