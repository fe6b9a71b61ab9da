import { startZipkin, type ZipkinHandle, type ZipkinSpan } from '@faultline/infra'
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { parseJson, startFixture, type FixtureProcess } from '../../fixtures/fixture-process.js'

let zipkin: ZipkinHandle
let callee: FixtureProcess
let caller: FixtureProcess

beforeAll(async () => {
  zipkin = await startZipkin({ log: () => undefined })
  callee = await startFixture('./traced-service.ts', { name: 'inventory', zipkinUrl: zipkin.url })
  caller = await startFixture('./traced-service.ts', {
    name: 'orders',
    zipkinUrl: zipkin.url,
    downstream: callee.url,
  })
})
afterAll(async () => {
  await Promise.all([caller?.stop(), callee?.stop()])
  await zipkin?.stop()
})

const service = (s: ZipkinSpan) => s.localEndpoint?.serviceName

describe('tracing across two services, into a real Zipkin', () => {
  test('one request is one trace: caller server span, its client span, then the callee server span', async () => {
    const response = await request(`${caller.url}/call/42`)
    const body = (await response.body.json()) as {
      traceId: string
      downstream: { traceId: string }
    }
    const traceId = body.traceId
    expect(traceId).toMatch(/^[0-9a-f]{32}$/)
    expect(body.downstream.traceId).toBe(traceId)
    expect(String(response.headers.traceresponse)).toMatch(
      new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`),
    )

    const spans = await zipkin.waitForTrace(traceId, {
      services: ['orders', 'inventory'],
      minSpans: 3,
    })
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([traceId]))
    const callerServer = spans.find((s) => service(s) === 'orders' && s.kind === 'SERVER')
    const callerClient = spans.find((s) => service(s) === 'orders' && s.kind === 'CLIENT')
    const calleeServer = spans.find((s) => service(s) === 'inventory' && s.kind === 'SERVER')
    expect(callerServer?.name).toBe('get /call/:id')
    expect(calleeServer?.name).toBe('get /work/:id')
    expect(callerServer?.parentId).toBeUndefined()
    expect(callerClient?.parentId).toBe(callerServer?.id)
    expect(calleeServer?.parentId).toBe(callerClient?.id)
    // Causal order: each parent starts before its child. Only in-process can the parent also be
    // seen to end after the child: the callee may write its span's end after the caller already
    // has the response.
    const start = (s: ZipkinSpan | undefined) => s?.timestamp ?? Number.NaN
    const end = (s: ZipkinSpan | undefined) => start(s) + (s?.duration ?? Number.NaN)
    expect(start(callerServer)).toBeLessThanOrEqual(start(callerClient))
    expect(start(callerClient)).toBeLessThanOrEqual(start(calleeServer))
    expect(end(callerServer)).toBeGreaterThanOrEqual(end(callerClient))
    expect(calleeServer?.tags?.['http.route']).toBe('/work/:id')
  })

  test("the callee's request log line carries the same trace_id and no token", async () => {
    const response = await request(`${caller.url}/call/7`)
    const { traceId } = (await response.body.json()) as { traceId: string }
    const working = () =>
      callee.lines.map(parseJson).find((l) => l?.msg === 'working' && l.trace_id === traceId)
    for (let i = 0; i < 100 && working() === undefined; i++)
      await new Promise((r) => setTimeout(r, 50))
    expect(working()).toMatchObject({
      service: 'inventory',
      trace_id: traceId,
      authorization: '[REDACTED]',
    })
    expect(callee.lines.join('\n')).not.toContain('should-never-be-logged')
  })
})
