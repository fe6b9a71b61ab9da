import { createServer, type Server } from 'node:http'
import { afterAll, describe, expect, test } from 'vitest'
import { startPrometheus, type PrometheusHandle } from '@faultline/infra'

const servers: Server[] = []
let prometheus: PrometheusHandle | undefined
afterAll(async () => {
  await prometheus?.stop()
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))))
})

/** A metrics endpoint whose counter grows on every scrape. */
async function exporter(name: string): Promise<string> {
  let scrapes = 0
  const server = createServer((req, res) => {
    scrapes += 1
    res.writeHead(req.url === '/metrics' ? 200 : 404, {
      'content-type': 'text/plain; version=0.0.4',
    })
    res.end(`# TYPE ${name}_scrapes_total counter\n${name}_scrapes_total ${scrapes}\n`)
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  return `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/metrics`
}

describe('startPrometheus', () => {
  test('scrapes its targets, answers PromQL, and takes new targets on reload', async () => {
    const first = await exporter('first')
    prometheus = await startPrometheus({
      targets: [{ job: 'first', url: first }],
      scrapeIntervalMs: 500,
    })
    const [sample] = await prometheus.waitForSeries('first_scrapes_total{job="first"}')
    expect(Number(sample?.value[1])).toBeGreaterThanOrEqual(1)
    expect((await prometheus.targets()).map((t) => t.scrapeUrl)).toEqual([first])

    const second = await exporter('second')
    await prometheus.setTargets([{ job: 'second', url: second, labels: { instance_id: 's-1' } }])
    expect((await prometheus.targets()).map((t) => t.scrapeUrl)).toEqual([second])
    const [fresh] = await prometheus.waitForSeries(
      'second_scrapes_total{job="second",instance_id="s-1"}',
    )
    expect(fresh?.metric.instance_id).toBe('s-1')
    await prometheus.waitForSeries('up{job="second"} == 1')
  })

  test('a bad query fails with the reason Prometheus gives', async () => {
    if (prometheus === undefined) throw new Error('the first test starts Prometheus')
    await expect(prometheus.query('sum(')).rejects.toMatchObject({ code: 'E_INFRA_COMMAND_FAILED' })
  })
})
