import { startPrometheus, type PrometheusHandle } from '@faultline/infra'
import Fastify, { type FastifyInstance } from 'fastify'
import { request, type Agent } from 'undici'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createMetricsRegistry, metricsPlugin } from '../../../src/wiring/telemetry/index.js'
import {
  createCertificateAuthority,
  createMtlsAgent,
  issueServiceCertificates,
  mtlsServerOptions,
  type CertificateBundle,
} from '../../../src/wiring/tls/index.js'

let certs: Record<string, CertificateBundle>
let agent: Agent
let prometheus: PrometheusHandle | undefined
const apps: FastifyInstance[] = []

/** One catalog-query instance over mTLS, with its own registry. */
async function instance(instanceId: string): Promise<string> {
  const app = Fastify({ https: mtlsServerOptions(certs['catalog-query'] as CertificateBundle) })
  apps.push(app)
  const registry = createMetricsRegistry({ service: 'catalog-query', instanceId })
  await app.register(metricsPlugin, { registry })
  app.get('/products/:id', (req) => ({ id: (req.params as { id: string }).id }))
  return await app.listen({ host: '127.0.0.1', port: 0 })
}

async function get(url: string): Promise<void> {
  const response = await request(url, { dispatcher: agent })
  await response.body.text()
}

beforeAll(async () => {
  const ca = await createCertificateAuthority()
  certs = await issueServiceCertificates(ca, ['catalog-query', 'prometheus', 'loadgen'])
  agent = createMtlsAgent(certs.loadgen as CertificateBundle)
})
afterAll(async () => {
  await prometheus?.stop()
  await Promise.all(apps.map((a) => a.close()))
  await agent?.close()
})

describe('a real Prometheus scraping services over mTLS', () => {
  test("its HTTP API returns each instance's http_server_requests_total", async () => {
    const first = await instance('cq-1')
    const scraper = certs.prometheus as CertificateBundle
    prometheus = await startPrometheus({
      targets: [{ job: 'catalog-query', url: `${first}/metrics` }],
      scrapeIntervalMs: 500,
      tls: { caPem: scraper.caPem, certPem: scraper.certPem, keyPem: scraper.keyPem },
    })
    for (let i = 0; i < 5; i++) await get(`${first}/products/${i}`)
    const [series] = await prometheus.waitForSeries(
      'http_server_requests_total{job="catalog-query",route="/products/:id",status_code="200"} >= 5',
    )
    expect(series?.metric).toMatchObject({
      service: 'catalog-query',
      instance_id: 'cq-1',
      method: 'GET',
    })

    const second = await instance('cq-2')
    await prometheus.setTargets([
      { job: 'catalog-query', url: `${first}/metrics` },
      { job: 'catalog-query', url: `${second}/metrics` },
      // A scrape without TLS is refused by the instance's handshake, so this target stays down.
      { job: 'plain-http', url: `${first.replace('https:', 'http:')}/metrics` },
    ])
    await get(`${second}/products/9`)
    const perInstance = await prometheus.waitForSeries(
      'sum by (instance_id) (http_server_requests_total{job="catalog-query",route="/products/:id"})',
      { minSeries: 2 },
    )
    expect(perInstance.map((s) => s.metric.instance_id).sort()).toEqual(['cq-1', 'cq-2'])
    await prometheus.waitForSeries('up{job="catalog-query"} == 1', { minSeries: 2 })
    await prometheus.waitForSeries('up{job="plain-http"} == 0')
  })
})
