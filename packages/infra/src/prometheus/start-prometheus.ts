import { renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { InfraError, invalidOption } from '../errors.js'
import { checkInteger } from '../options.js'
import { findBinary } from '../local/binaries.js'
import { freePort } from '../local/free-port.js'
import { LocalServer } from '../local/local-server.js'
import { ServerProcess, withPortRetry } from '../local/server-process.js'
import { withServerDir } from '../local/temp-dir.js'
import type { ServiceHandle } from '../types.js'
import {
  pollUntil,
  promQuery,
  promTargets,
  type PromSample,
  type PromTarget,
} from './prometheus-api.js'
import { prometheusConfig, type ScrapeTarget, type TlsFiles } from './prometheus-config.js'

/** PEM text for scraping `https:` targets that require a client certificate (mTLS). */
export interface PrometheusTls {
  readonly caPem: string
  readonly certPem: string
  readonly keyPem: string
}

/** Options for {@link startPrometheus}. */
export interface PrometheusOptions {
  /** @default [] (add them later with `setTargets`) */
  readonly targets?: readonly ScrapeTarget[]
  /** @default 1000 */
  readonly scrapeIntervalMs?: number
  readonly tls?: PrometheusTls
}

/** A running Prometheus; `url` is its base (UI and HTTP API). */
export interface PrometheusHandle extends ServiceHandle {
  /** Replaces the scrape targets (config rewrite + `/-/reload`); resolves once Prometheus lists them. */
  setTargets(targets: readonly ScrapeTarget[]): Promise<void>
  /** The active targets and their health. */
  targets(): Promise<PromTarget[]>
  /** An instant PromQL query. */
  query(promql: string): Promise<PromSample[]>
  /** Polls `promql` until it returns at least `minSeries` series. @default 1 series, 30 s */
  waitForSeries(
    promql: string,
    options?: { minSeries?: number; timeoutMs?: number },
  ): Promise<PromSample[]>
}

const HOST = '127.0.0.1'

function checkInterval(ms: number): number {
  if (Number.isSafeInteger(ms) && ms >= 100 && ms <= 3_600_000) return ms
  throw invalidOption('scrapeIntervalMs', ms, 'an integer from 100 to 3600000', {
    service: 'prometheus',
  })
}

function writeTls(dir: string, tls: PrometheusTls | undefined): TlsFiles | undefined {
  if (tls === undefined) return undefined
  const files = {
    caFile: join(dir, 'ca.pem'),
    certFile: join(dir, 'client.pem'),
    keyFile: join(dir, 'client.key'),
  }
  writeFileSync(files.caFile, tls.caPem)
  writeFileSync(files.certFile, tls.certPem)
  writeFileSync(files.keyFile, tls.keyPem, { mode: 0o600 })
  return files
}

/** Writes the config through a rename, so a reload never reads half a file. */
function writeConfig(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text)
  renameSync(`${path}.tmp`, path)
}

async function ready(url: string): Promise<boolean> {
  const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2000) })
  return response.ok
}

function serverFor(binary: string, dir: string, configFile: string, port: number): LocalServer {
  const url = `http://${HOST}:${port}`
  return new LocalServer({
    service: 'prometheus',
    host: HOST,
    port,
    url,
    process: new ServerProcess({
      service: 'prometheus',
      command: binary,
      args: [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=${HOST}:${port}`,
        '--web.enable-lifecycle',
        '--storage.tsdb.retention.time=1d',
      ],
      logFile: join(dir, 'prometheus.log'),
      cwd: dir,
    }),
    isReady: () => ready(url),
    startTimeoutMs: 60_000,
    dirs: [dir],
  })
}

async function reload(url: string): Promise<void> {
  const response = await fetch(`${url}/-/reload`, {
    method: 'POST',
    signal: AbortSignal.timeout(10_000),
  })
  if (!response.ok) {
    throw new InfraError(
      'E_INFRA_INVALID_OPTION',
      `Prometheus refused the new config: ${await response.text()}`,
      { context: { service: 'prometheus', option: 'targets' } },
    )
  }
}

function sameTargets(active: readonly PromTarget[], wanted: readonly ScrapeTarget[]): boolean {
  const have = active.map((t) => t.scrapeUrl).sort()
  const want = wanted.map((t) => new URL(t.url).href).sort()
  return have.length === want.length && have.every((u, i) => new URL(u).href === want[i])
}

/** Resolves once Prometheus lists exactly `targets` (a reload applies asynchronously). */
async function waitForTargets(url: string, targets: readonly ScrapeTarget[]): Promise<void> {
  await pollUntil<true>('the targets were not listed', 30_000, async () => {
    const active = await promTargets(url)
    if (sameTargets(active, targets)) return { done: true }
    return { seen: active.map((t) => t.scrapeUrl).join(', ') || 'no targets' }
  })
}

/**
 * Starts Debian's `prometheus` on a free loopback port with its config and TSDB in a temp dir and
 * `--web.enable-lifecycle`, so `setTargets()` can change what it scrapes with a reload. Ready
 * once `/-/ready` answers; killed with its temp dir when the starting process exits.
 *
 * @throws InfraError `E_INFRA_MISSING_BINARY` naming `apt-get install prometheus`,
 *   `E_INFRA_INVALID_OPTION` for a bad target or interval, `E_INFRA_STARTUP_FAILED` with the log tail.
 */
export async function startPrometheus(options: PrometheusOptions = {}): Promise<PrometheusHandle> {
  const interval = checkInterval(options.scrapeIntervalMs ?? 1000)
  const binary = findBinary('prometheus', { debianPackage: 'prometheus', envVars: [] })
  return withServerDir('prometheus', async (dir) => {
    const tls = writeTls(dir, options.tls)
    const configFile = join(dir, 'prometheus.yml')
    writeConfig(configFile, prometheusConfig(options.targets ?? [], interval, tls))
    const server = await withPortRetry(async () => {
      const s = serverFor(binary, dir, configFile, await freePort(HOST))
      await s.start()
      return s
    })
    try {
      await waitForTargets(server.url, options.targets ?? [])
    } catch (error) {
      await server.stop()
      throw error
    }
    return prometheusHandle(server, { configFile, interval, tls })
  })
}

function prometheusHandle(
  server: LocalServer,
  config: { configFile: string; interval: number; tls: TlsFiles | undefined },
): PrometheusHandle {
  const { configFile, interval, tls } = config
  return Object.assign(server, {
    targets: () => promTargets(server.url),
    query: (promql: string) => promQuery(server.url, promql),
    async setTargets(targets: readonly ScrapeTarget[]) {
      writeConfig(configFile, prometheusConfig(targets, interval, tls))
      await reload(server.url)
      await pollUntil('the new targets were not listed', 30_000, async () => {
        const active = await promTargets(server.url)
        return sameTargets(active, targets)
          ? { done: true }
          : { seen: active.map((t) => t.scrapeUrl).join(', ') }
      })
    },
    async waitForSeries(promql: string, opts: { minSeries?: number; timeoutMs?: number } = {}) {
      const context = { service: 'prometheus' }
      const minSeries = checkInteger('minSeries', opts.minSeries ?? 1, { min: 1 }, context)
      const timeoutMs = checkInteger('timeoutMs', opts.timeoutMs ?? 30_000, { min: 0 }, context)
      return await pollUntil<PromSample[]>(
        `"${promql}" returned no series`,
        timeoutMs,
        async () => {
          const samples = await promQuery(server.url, promql)
          return samples.length >= minSeries
            ? { done: samples }
            : { seen: `${samples.length} series` }
        },
      )
    },
  })
}
