import { join } from 'node:path'
import { invalidOption } from '../errors.js'
import { findBinary } from '../local/binaries.js'
import { checkHeap } from '../local/kafka.js'
import { freePort } from '../local/free-port.js'
import { LocalServer } from '../local/local-server.js'
import { ServerProcess, withPortRetry } from '../local/server-process.js'
import { withServerDir } from '../local/temp-dir.js'
import type { ServiceHandle } from '../types.js'
import {
  getZipkinTrace,
  waitForZipkinTrace,
  type TraceCondition,
  type ZipkinSpan,
} from './zipkin-api.js'
import { ensureZipkinJar } from './zipkin-jar.js'

/** Options for {@link startZipkin}. */
export interface ZipkinOptions {
  /** JVM heap. @default 256 */
  readonly heapMb?: number
  /** Spans kept in memory before the oldest traces are dropped. @default 100000 */
  readonly maxSpans?: number
  /** Receives a line when the jar is first resolved (a slow, first-use-only step). */
  readonly log?: (line: string) => void
}

/** A running Zipkin server: `url` is its base; the UI is at `${url}/zipkin/`. */
export interface ZipkinHandle extends ServiceHandle {
  /** Where exporters send spans: `${url}/api/v2/spans`. */
  readonly spansUrl: string
  /** The spans of one trace (`[]` while Zipkin has none). */
  getTrace(traceId: string): Promise<ZipkinSpan[]>
  /** Polls until the trace meets `condition`, then returns its spans. */
  waitForTrace(traceId: string, condition?: TraceCondition): Promise<ZipkinSpan[]>
}

const HOST = '127.0.0.1'
/** Measured ~9 s to `/health` UP on 2 busy cores; the first JIT-less start is slower. */
const READY_TIMEOUT_MS = 120_000

async function healthy(url: string): Promise<boolean> {
  const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) })
  if (!response.ok) return false
  return ((await response.json()) as { status?: string }).status === 'UP'
}

function zipkinArgs(jar: string, port: number, heapMb: number, maxSpans: number): string[] {
  return [
    `-Xms64m`,
    `-Xmx${heapMb}m`,
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-jar',
    jar,
    // `--server.port` alone keeps Zipkin on every interface; the Armeria port binds loopback.
    `--armeria.ports[0].port=${port}`,
    `--armeria.ports[0].ip=${HOST}`,
    '--armeria.ports[0].protocols=http',
    `--zipkin.storage.mem.max-spans=${maxSpans}`,
  ]
}

async function startOn(java: string, jar: string, heapMb: number, maxSpans: number, dir: string) {
  const port = await freePort(HOST)
  const url = `http://${HOST}:${port}`
  const server = new LocalServer({
    service: 'zipkin',
    host: HOST,
    port,
    url,
    process: new ServerProcess({
      service: 'zipkin',
      command: java,
      args: zipkinArgs(jar, port, heapMb, maxSpans),
      logFile: join(dir, 'zipkin.log'),
      cwd: dir,
    }),
    isReady: () => healthy(url),
    startTimeoutMs: READY_TIMEOUT_MS,
    dirs: [dir],
  })
  await server.start()
  return server
}

/**
 * Starts a Zipkin server (in-memory storage) from the `io.zipkin:zipkin-server` exec jar on a
 * free loopback port; ready once `/health` says UP. The jar is resolved once into
 * `~/.cache/faultline` (`scripts/fetch-kafka-jars.mjs` pre-fetches it). Like every local server,
 * it is killed with its temp dir when the process that started it exits, even by SIGKILL.
 *
 * @throws InfraError `E_INFRA_MISSING_BINARY` without java (or mvn on first use),
 *   `E_INFRA_STARTUP_FAILED` / `E_INFRA_STARTUP_TIMEOUT` with the server's log tail.
 */
export async function startZipkin(options: ZipkinOptions = {}): Promise<ZipkinHandle> {
  const heapMb = checkHeap(options.heapMb ?? 256, 'zipkin')
  const maxSpans = options.maxSpans ?? 100_000
  if (!Number.isSafeInteger(maxSpans) || maxSpans < 1000) {
    throw invalidOption('maxSpans', maxSpans, 'an integer of at least 1000', { service: 'zipkin' })
  }
  const java = findBinary('java', { debianPackage: 'openjdk-17-jre-headless', envVars: [] })
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`))
  const jar = await ensureZipkinJar({ log })
  const server = await withPortRetry(() =>
    withServerDir('zipkin', (dir) => startOn(java, jar, heapMb, maxSpans, dir)),
  )
  return Object.assign(server, {
    spansUrl: `${server.url}/api/v2/spans`,
    getTrace: (traceId: string) => getZipkinTrace(server.url, traceId),
    waitForTrace: (traceId: string, condition?: TraceCondition) =>
      waitForZipkinTrace(server.url, traceId, condition),
  })
}
