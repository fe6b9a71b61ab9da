import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { trace } from '@opentelemetry/api'
import { tracing as sdk } from '@opentelemetry/sdk-node'
import { afterAll, describe, expect, test } from 'vitest'
import {
  chooseExporters,
  startTracing,
  type JsonlSpan,
} from '../../../src/wiring/telemetry/index.js'

const dir = mkdtempSync(join(tmpdir(), 'faultline-tracing-test-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('chooseExporters()', () => {
  test.each([
    [
      'nothing configured: the JSON-lines file',
      {},
      undefined,
      {
        otlp: false,
        zipkinUrl: undefined,
        filePath: join(tmpdir(), 'faultline-traces', 'orders.jsonl'),
      },
    ],
    [
      'OTEL_EXPORTER_OTLP_ENDPOINT: OTLP only',
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318' },
      undefined,
      { otlp: true, zipkinUrl: undefined, filePath: undefined },
    ],
    [
      'the traces-only endpoint counts too',
      { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://dd-agent:4318/v1/traces' },
      undefined,
      { otlp: true, zipkinUrl: undefined, filePath: undefined },
    ],
    [
      'a Zipkin URL: Zipkin only',
      {},
      'http://127.0.0.1:9411/',
      { otlp: false, zipkinUrl: 'http://127.0.0.1:9411', filePath: undefined },
    ],
    [
      'both: both',
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x:4318' },
      'http://127.0.0.1:9411',
      { otlp: true, zipkinUrl: 'http://127.0.0.1:9411', filePath: undefined },
    ],
  ])('%s', (_name, env, zipkinUrl, expected) => {
    expect(chooseExporters({ serviceName: 'orders', env, zipkinUrl })).toEqual(expected)
  })
})

describe('startTracing()', () => {
  test.each([
    ['a sampling ratio above 1', { samplingRatio: 1.5 }, 'samplingRatio'],
    ['an uppercase service name', { serviceName: 'Orders' }, 'serviceName'],
    ['a Zipkin URL with a path', { zipkinUrl: 'http://127.0.0.1:9411/api/v2/spans' }, 'zipkinUrl'],
  ])('refuses %s with E_TOPOLOGY_INVALID_OPTION', (_name, change, option) => {
    expect(() => startTracing({ serviceName: 'orders', ...change })).toThrow(
      expect.objectContaining({ code: 'E_TOPOLOGY_INVALID_OPTION', context: { option } }) as Error,
    )
  })

  test('writes finished spans as JSON lines, samples by ratio, and refuses a second start', async () => {
    const filePath = join(dir, 'orders.jsonl')
    const memory = new sdk.InMemorySpanExporter()
    const handle = startTracing({
      serviceName: 'orders',
      serviceInstanceId: 'orders-1',
      filePath,
      env: {},
      samplingRatio: 0,
      instrumentations: [],
      registerEsmHook: false,
      exporters: [memory],
    })
    try {
      expect(handle.exporters).toEqual([`file:${filePath}`])
      expect(() =>
        startTracing({ serviceName: 'x', instrumentations: [], registerEsmHook: false }),
      ).toThrow(expect.objectContaining({ code: 'E_TOPOLOGY_TRACING_ALREADY_STARTED' }) as Error)
      const tracer = trace.getTracer('test')
      tracer.startSpan('dropped by the 0 ratio').end()
      const parent = tracer.startSpan('root')
      await handle.forceFlush()
      expect(memory.getFinishedSpans()).toHaveLength(0)
      parent.end()
    } finally {
      await handle.shutdown()
    }
    const again = startTracing({
      serviceName: 'orders',
      filePath,
      env: {},
      instrumentations: [],
      registerEsmHook: false,
    })
    const span = trace.getTracer('test').startSpan('kept', { attributes: { 'order.id': 'o-1' } })
    span.end()
    await again.shutdown()
    const lines = readFileSync(filePath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as JsonlSpan)
    expect(lines).toEqual([
      expect.objectContaining({
        name: 'kept',
        kind: 'INTERNAL',
        service: 'orders',
        scope: 'test',
        traceId: span.spanContext().traceId,
        spanId: span.spanContext().spanId,
        status: 'UNSET',
        attributes: { 'order.id': 'o-1' },
      }),
    ])
  })
})
