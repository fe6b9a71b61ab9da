import { InfraError } from '../errors.js'

/** One endpoint for Prometheus to scrape. */
export interface ScrapeTarget {
  /** The `job` label: the service name, e.g. `orders`. */
  readonly job: string
  /** The full metrics URL, e.g. `http://127.0.0.1:4101/metrics`; `https:` uses the `tls` files. */
  readonly url: string
  /** Extra labels on every series of this target, e.g. `{ instance_id: 'catalog-query-2' }`. */
  readonly labels?: Readonly<Record<string, string>>
}

/** Paths of the PEM files Prometheus presents to `https:` targets. */
export interface TlsFiles {
  readonly caFile: string
  readonly certFile: string
  readonly keyFile: string
}

const JOB = /^[a-zA-Z_][a-zA-Z0-9_-]*$/
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/

function bad(message: string): InfraError {
  return new InfraError('E_INFRA_INVALID_OPTION', message, {
    context: { service: 'prometheus', option: 'targets' },
  })
}

function parseTarget(target: ScrapeTarget) {
  if (!JOB.test(target.job)) throw bad(`job "${target.job}" must be a name like orders.`)
  let url: URL
  try {
    url = new URL(target.url)
  } catch {
    throw bad(`target "${target.url}" is not a URL like http://127.0.0.1:4101/metrics.`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw bad(`target "${target.url}" must be http or https.`)
  }
  for (const name of Object.keys(target.labels ?? {})) {
    if (!LABEL.test(name) || name.startsWith('__')) throw bad(`label "${name}" is not allowed.`)
  }
  const scheme = url.protocol.slice(0, -1)
  return { scheme, path: url.pathname, address: url.host, labels: target.labels ?? {} }
}

/** `1500` -> `1500ms`: Prometheus durations. */
const duration = (ms: number) => `${ms}ms`

/**
 * The Prometheus configuration, as JSON (valid YAML): one scrape config per job. Every target of
 * a job must share its scheme and path, since Prometheus sets those per job.
 */
export function prometheusConfig(
  targets: readonly ScrapeTarget[],
  scrapeIntervalMs: number,
  tls: TlsFiles | undefined,
): string {
  const jobs = new Map<string, { scheme: string; path: string; groups: object[] }>()
  for (const target of targets) {
    const t = parseTarget(target)
    const job = jobs.get(target.job) ?? { scheme: t.scheme, path: t.path, groups: [] }
    if (job.scheme !== t.scheme || job.path !== t.path) {
      throw bad(`every target of job ${target.job} must have the same scheme and path.`)
    }
    if (t.scheme === 'https' && tls === undefined)
      throw bad(`https target ${target.url} needs tls.`)
    job.groups.push({ targets: [t.address], labels: t.labels })
    jobs.set(target.job, job)
  }
  const tlsConfig =
    tls === undefined
      ? {}
      : { tls_config: { ca_file: tls.caFile, cert_file: tls.certFile, key_file: tls.keyFile } }
  const interval = duration(scrapeIntervalMs)
  const config = {
    global: {
      scrape_interval: interval,
      scrape_timeout: duration(Math.min(scrapeIntervalMs, 10_000)),
      evaluation_interval: interval,
    },
    scrape_configs: [...jobs].map(([name, job]) => ({
      job_name: name,
      scheme: job.scheme,
      metrics_path: job.path,
      ...(job.scheme === 'https' ? tlsConfig : {}),
      static_configs: job.groups,
    })),
  }
  return `${JSON.stringify(config, null, 2)}\n`
}
