import Fastify, { type FastifyInstance } from 'fastify'
import fc from 'fast-check'
import { afterEach, describe, expect, test } from 'vitest'
import { createMetricsRegistry, metricsPlugin } from '../../../src/wiring/telemetry/index.js'

const apps: FastifyInstance[] = []
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()))
})

async function catalogApp() {
  const registry = createMetricsRegistry({ service: 'catalog-query', instanceId: 'cq-1' })
  const app = Fastify()
  apps.push(app)
  await app.register(metricsPlugin, { registry })
  app.get('/products/:id', (req) => ({ id: (req.params as { id: string }).id }))
  app.post('/products', (_req, reply) => reply.code(201).send({}))
  await app.ready()
  return { app, registry }
}

/** The value of one sample line, e.g. `http_server_requests_total{...} 3`. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const line = text
    .split('\n')
    .find(
      (l) =>
        l.startsWith(`${name}{`) &&
        Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)),
    )
  return line === undefined ? undefined : Number(line.split(' ').at(-1))
}

describe('metricsPlugin', () => {
  test('counts requests and times them by method, route template and status', async () => {
    const { app } = await catalogApp()
    for (const id of ['1', '2', '3']) await app.inject({ url: `/products/${id}` })
    await app.inject({ method: 'POST', url: '/products', payload: {} })
    const res = await app.inject({ url: '/metrics' })
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0.0.4/)
    const labels = {
      method: 'GET',
      route: '/products/:id',
      status_code: '200',
      service: 'catalog-query',
      instance_id: 'cq-1',
    }
    expect(sample(res.body, 'http_server_requests_total', labels)).toBe(3)
    expect(sample(res.body, 'http_server_request_duration_seconds_count', labels)).toBe(3)
    expect(
      sample(res.body, 'http_server_request_duration_seconds_bucket', { ...labels, le: '+Inf' }),
    ).toBe(3)
    expect(
      sample(res.body, 'http_server_requests_total', {
        method: 'POST',
        route: '/products',
        status_code: '201',
      }),
    ).toBe(1)
    expect(res.body).toContain('# TYPE http_server_request_duration_seconds histogram')
    expect(res.body).toMatch(/^process_cpu_seconds_total\{/m)
  })

  test('made-up paths and methods share one series each, so clients cannot grow the registry', async () => {
    const { app } = await catalogApp()
    await fc.assert(
      fc.asyncProperty(
        fc.webPath(),
        fc.constantFrom('GET', 'PROPFIND', 'DELETE'),
        async (path, method) => {
          await app.inject({ method: method as 'GET', url: `/zz${path}` })
        },
      ),
      { numRuns: 300 },
    )
    const text = (await app.inject({ url: '/metrics' })).body
    const series = text.split('\n').filter((l) => l.startsWith('http_server_requests_total{'))
    expect(series.length).toBeLessThanOrEqual(3)
    expect(series.every((l) => l.includes('route="unmatched"'))).toBe(true)
  })
})
