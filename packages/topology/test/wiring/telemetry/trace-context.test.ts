import { context, SpanKind, trace } from '@opentelemetry/api'
import { contextFromHeaders, traceHeaders } from '@faultline/saga-kit'
import { decodeEnvelope, encodeEnvelope, type EventEnvelope } from '@faultline/sync-kit'
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest'
import {
  extractTraceContext,
  injectTraceContext,
  withConsumerSpan,
} from '../../../src/wiring/telemetry/tracing/trace-context.js'
import { memoryTracing, type MemoryTracing } from './memory-tracing.js'

let tracing: MemoryTracing
beforeAll(() => {
  tracing = memoryTracing()
})
afterAll(() => tracing.stop())
beforeEach(() => tracing.exporter.reset())

const idsOf = (ctx: ReturnType<typeof context.active>) => {
  const sc = trace.getSpanContext(ctx)
  return { traceId: sc?.traceId, spanId: sc?.spanId }
}

function envelope(headers: Record<string, string>): EventEnvelope {
  return {
    id: '0190a5b4-6a4e-7cc2-8f1e-2b3c4d5e6f70',
    aggregateType: 'order',
    aggregateId: 'o-1',
    type: 'order.placed',
    schemaVersion: 1,
    sequence: 1,
    payload: { total: 10 },
    headers,
    occurredAt: new Date(0).toISOString(),
  }
}

describe('trace context across Kafka', () => {
  test('injectTraceContext() writes the active span, extractTraceContext() reads it back', () => {
    const span = tracing.tracer.startSpan('produce')
    const headers = context.with(trace.setSpan(context.active(), span), () =>
      injectTraceContext({ 'x-other': 'kept' }),
    )
    span.end()
    expect(headers['x-other']).toBe('kept')
    expect(headers.traceparent).toBe(
      `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`,
    )
    expect(idsOf(extractTraceContext(headers))).toEqual({
      traceId: span.spanContext().traceId,
      spanId: span.spanContext().spanId,
    })
  })

  test('headers made by saga-kit are continued, and ours are read by saga-kit', () => {
    const span = tracing.tracer.startSpan('saga.command')
    const fromSaga = traceHeaders(span)
    expect(idsOf(extractTraceContext(fromSaga)).spanId).toBe(span.spanContext().spanId)
    const ours = injectTraceContext({}, trace.setSpan(context.active(), span))
    expect(idsOf(contextFromHeaders(ours))).toEqual(idsOf(extractTraceContext(fromSaga)))
    span.end()
  })

  test('a sync-kit envelope carries the context through encode and decode, as Buffers too', () => {
    const span = tracing.tracer.startSpan('append')
    const headers = injectTraceContext({}, trace.setSpan(context.active(), span))
    const message = encodeEnvelope(envelope(headers))
    const kafkaHeaders = Object.fromEntries(
      Object.entries(message.headers).map(([k, v]) => [k, Buffer.from(v)]),
    )
    const expected = { traceId: span.spanContext().traceId, spanId: span.spanContext().spanId }
    expect(idsOf(extractTraceContext(kafkaHeaders))).toEqual(expected)
    expect(
      idsOf(extractTraceContext({ traceparent: [Buffer.from(headers.traceparent ?? '')] })),
    ).toEqual(expected)
    expect(idsOf(extractTraceContext(decodeEnvelope(message.value).headers))).toEqual(expected)
    span.end()
  })

  test('withConsumerSpan() continues the producer trace as a CONSUMER child, active inside', async () => {
    const producer = tracing.tracer.startSpan('http POST /orders')
    const headers = injectTraceContext({}, trace.setSpan(context.active(), producer))
    producer.end()
    const inner = await withConsumerSpan(
      tracing.tracer,
      'process orders',
      { headers, topic: 'orders', partition: 0, offset: '42' },
      () => Promise.resolve(trace.getActiveSpan()?.spanContext().spanId),
    )
    const consumer = tracing.exporter.getFinishedSpans().find((s) => s.name === 'process orders')
    expect(consumer?.kind).toBe(SpanKind.CONSUMER)
    expect(consumer?.spanContext().traceId).toBe(producer.spanContext().traceId)
    expect(consumer?.parentSpanContext?.spanId).toBe(producer.spanContext().spanId)
    expect(inner).toBe(consumer?.spanContext().spanId)
    expect(consumer?.attributes).toMatchObject({
      'messaging.destination.name': 'orders',
      'messaging.kafka.offset': '42',
    })
  })

  test('withConsumerSpan() records a failing handler on the span and rethrows', async () => {
    await expect(
      withConsumerSpan(tracing.tracer, 'process', { headers: {} }, () =>
        Promise.reject(new Error('poison')),
      ),
    ).rejects.toThrow('poison')
    const [span] = tracing.exporter.getFinishedSpans()
    expect(span?.status).toMatchObject({ code: 2, message: 'poison' })
    expect(span?.events.map((e) => e.name)).toEqual(['exception'])
  })

  test.each([
    ['no headers', {}],
    ['a garbage traceparent', { traceparent: 'not-a-trace' }],
    ['an all-zero trace id', { traceparent: `00-${'0'.repeat(32)}-${'1'.repeat(16)}-01` }],
  ])('%s starts a new trace instead of joining one', async (_name, headers) => {
    await withConsumerSpan(tracing.tracer, 'process', { headers }, () => Promise.resolve())
    const [span] = tracing.exporter.getFinishedSpans()
    expect(span?.parentSpanContext).toBeUndefined()
  })
})
