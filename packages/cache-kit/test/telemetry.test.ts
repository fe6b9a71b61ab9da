import { describe, expect, test } from 'vitest'
import type { Span, SpanOptions, Tracer } from '@opentelemetry/api'
import { createCache, createMemoryCacheStore } from '@faultline/cache-kit'

interface Recorded {
  name: string
  attributes: SpanOptions['attributes']
  status?: number
  exceptions: number
  ended: boolean
}

/** A recording tracer with just what the cache calls (startActiveSpan with options). */
function recordingTracer(): { tracer: Tracer; spans: Recorded[] } {
  const spans: Recorded[] = []
  const tracer = {
    startActiveSpan(name: string, options: SpanOptions, fn: (span: Span) => unknown) {
      const rec: Recorded = { name, attributes: options.attributes, exceptions: 0, ended: false }
      spans.push(rec)
      const span = {
        recordException: () => void (rec.exceptions += 1),
        setStatus: (status: { code: number }) => ((rec.status = status.code), span),
        end: () => void (rec.ended = true),
      }
      return fn(span as unknown as Span)
    },
  }
  return { tracer: tracer as unknown as Tracer, spans }
}

describe('ReadThroughCache OpenTelemetry hook', () => {
  test('a miss runs in one span named with the key; an L1 hit opens none; a failure marks the span', async () => {
    const { tracer, spans } = recordingTracer()
    const cache = createCache({ store: createMemoryCacheStore(), l1: {}, tracer })
    await cache.getOrLoad('k', () => 1)
    await cache.getOrLoad('k', () => 2)
    expect(spans).toStrictEqual([
      { name: 'cache-kit getOrLoad', attributes: { 'cache.key': 'k' }, exceptions: 0, ended: true },
    ])
    await cache.getOrLoad('bad', () => Promise.reject(new Error('db down'))).catch(() => undefined)
    expect(spans[1]).toMatchObject({
      attributes: { 'cache.key': 'bad' },
      status: 2,
      exceptions: 1,
      ended: true,
    })
  })
})
