import { afterEach, describe, expect, test } from 'vitest'
import { startPrometheus, startZipkin } from '@faultline/infra'
import { prometheusConfig } from '../src/prometheus/prometheus-config.js'

const path = process.env.PATH
afterEach(() => {
  process.env.PATH = path
})

describe('Zipkin and Prometheus without their binaries', () => {
  test('startPrometheus() names the Debian package to install', async () => {
    process.env.PATH = '/nonexistent'
    await expect(startPrometheus()).rejects.toMatchObject({
      code: 'E_INFRA_MISSING_BINARY',
      message: "prometheus was not found on PATH: install it with 'apt-get install prometheus'.",
    })
  })

  test('startZipkin() names the Java package to install', async () => {
    process.env.PATH = '/nonexistent'
    await expect(startZipkin({ log: () => undefined })).rejects.toMatchObject({
      code: 'E_INFRA_MISSING_BINARY',
      message:
        "java was not found on PATH: install it with 'apt-get install openjdk-17-jre-headless'.",
    })
  })
})

describe('prometheusConfig()', () => {
  test('one scrape config per job, with scheme, path, labels and the interval', () => {
    const config = JSON.parse(
      prometheusConfig(
        [
          {
            job: 'catalog-query',
            url: 'https://127.0.0.1:4101/metrics',
            labels: { instance_id: 'cq-1' },
          },
          {
            job: 'catalog-query',
            url: 'https://127.0.0.1:4102/metrics',
            labels: { instance_id: 'cq-2' },
          },
          { job: 'orders', url: 'http://127.0.0.1:4200/internal/metrics' },
        ],
        1500,
        { caFile: '/d/ca.pem', certFile: '/d/client.pem', keyFile: '/d/client.key' },
      ),
    ) as { global: object; scrape_configs: object[] }
    expect(config.global).toEqual({
      scrape_interval: '1500ms',
      scrape_timeout: '1500ms',
      evaluation_interval: '1500ms',
    })
    expect(config.scrape_configs).toEqual([
      {
        job_name: 'catalog-query',
        scheme: 'https',
        metrics_path: '/metrics',
        tls_config: { ca_file: '/d/ca.pem', cert_file: '/d/client.pem', key_file: '/d/client.key' },
        static_configs: [
          { targets: ['127.0.0.1:4101'], labels: { instance_id: 'cq-1' } },
          { targets: ['127.0.0.1:4102'], labels: { instance_id: 'cq-2' } },
        ],
      },
      {
        job_name: 'orders',
        scheme: 'http',
        metrics_path: '/internal/metrics',
        static_configs: [{ targets: ['127.0.0.1:4200'], labels: {} }],
      },
    ])
  })

  test.each([
    [
      'a job name with spaces',
      { job: 'my job', url: 'http://127.0.0.1:1/metrics' },
      /job "my job"/,
    ],
    ['a URL that is not one', { job: 'a', url: '127.0.0.1:1' }, /is not a URL/],
    [
      'a reserved label',
      { job: 'a', url: 'http://127.0.0.1:1/m', labels: { __address__: 'x' } },
      /label "__address__"/,
    ],
    ['an https target without tls', { job: 'a', url: 'https://127.0.0.1:1/m' }, /needs tls/],
  ])('refuses %s with E_INFRA_INVALID_OPTION', (_name, target, message) => {
    expect(() => prometheusConfig([target], 1000, undefined)).toThrow(message)
  })

  test('refuses two targets of one job on different paths', () => {
    expect(() =>
      prometheusConfig(
        [
          { job: 'a', url: 'http://127.0.0.1:1/metrics' },
          { job: 'a', url: 'http://127.0.0.1:2/other' },
        ],
        1000,
        undefined,
      ),
    ).toThrow(/same scheme and path/)
  })
})
