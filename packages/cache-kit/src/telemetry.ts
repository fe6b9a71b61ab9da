import { SpanStatusCode, type Tracer } from '@opentelemetry/api'

/**
 * Runs `fn` inside an OpenTelemetry span. With no SDK registered the API's tracer is a no-op, so
 * this costs little. Hits (L1, and L2 hits served by a peek) are never traced: only the
 * miss path opens a span.
 */
export function withSpan<T>(
  tracer: Tracer,
  name: string,
  key: string,
  fn: () => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(name, { attributes: { 'cache.key': key } }, async (span) => {
    try {
      return await fn()
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error))
      span.setStatus({ code: SpanStatusCode.ERROR })
      throw error
    } finally {
      span.end()
    }
  })
}
