import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startZipkin, type ZipkinHandle } from '@faultline/infra'

let zipkin: ZipkinHandle
beforeAll(async () => {
  zipkin = await startZipkin({ log: () => undefined })
})
afterAll(() => zipkin?.stop())

const TRACE = 'a1b2c3d4e5f60718293a4b5c6d7e8f90'

describe('startZipkin', () => {
  test('serves the v2 API on loopback: spans in, the trace out', async () => {
    expect(zipkin.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const span = {
      traceId: TRACE,
      id: '1a2b3c4d5e6f7081',
      name: 'get /orders/:id',
      kind: 'SERVER',
      timestamp: Date.now() * 1000,
      duration: 1500,
      localEndpoint: { serviceName: 'orders' },
    }
    const posted = await fetch(zipkin.spansUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([span]),
    })
    expect(posted.status).toBe(202)
    const spans = await zipkin.waitForTrace(TRACE, { services: ['orders'] })
    expect(spans).toEqual([
      expect.objectContaining({
        id: span.id,
        name: span.name,
        localEndpoint: { serviceName: 'orders' },
      }),
    ])
  })

  test('an unknown trace is empty, a malformed trace id is refused, the UI answers', async () => {
    expect(await zipkin.getTrace('f'.repeat(32))).toEqual([])
    await expect(zipkin.getTrace('../../etc')).rejects.toMatchObject({
      code: 'E_INFRA_INVALID_OPTION',
    })
    expect((await fetch(`${zipkin.url}/zipkin/`)).status).toBe(200)
  })

  test('waitForTrace() gives up after its timeout, naming what it saw', async () => {
    await expect(zipkin.waitForTrace('e'.repeat(32), { timeoutMs: 500 })).rejects.toMatchObject({
      code: 'E_INFRA_TIMEOUT',
      retryable: true,
      message: expect.stringMatching(/0 spans/) as unknown,
    })
  })
})
