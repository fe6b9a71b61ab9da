import { describe, expect, test } from 'vitest'
import { trace, type Span } from '@opentelemetry/api'
import { contextFromHeaders, traceHeaders } from '@faultline/saga-kit'

const spanWith = (traceId: string, spanId: string, traceFlags: number): Span =>
  trace.wrapSpanContext({ traceId, spanId, traceFlags })

describe('trace context in message headers', () => {
  test('traceHeaders writes a W3C traceparent that contextFromHeaders reads back as a remote parent', () => {
    const span = spanWith('0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203331', 1)
    const headers = traceHeaders(span)
    expect(headers).toEqual({
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    })
    const parent = trace.getSpanContext(contextFromHeaders(headers))
    expect(parent).toMatchObject({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: 1,
      isRemote: true,
    })
  })

  test('no header for an invalid span context, and a malformed header gives no parent', () => {
    expect(traceHeaders(spanWith('0'.repeat(32), '0'.repeat(16), 0))).toEqual({})
    expect(trace.getSpanContext(contextFromHeaders({ traceparent: 'garbage' }))).toBeUndefined()
    expect(
      traceHeaders(spanWith('0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203331', 0)).traceparent,
    ).toMatch(/-00$/)
  })
})
