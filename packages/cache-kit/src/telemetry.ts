import { SpanStatusCode, type Tracer } from '@opentelemetry/api'

/**
 * Runs `fn` inside an OpenTelemetry span. With no SDK registered the API's tracer is a no-op, so
 * this costs little; L1 hits are never traced.
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
