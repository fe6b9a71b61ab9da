import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { InfraError, invalidOption } from '../errors.js'
import { checkInteger, checkLog, checkOneOf } from '../options.js'
import { freePort } from '../local/free-port.js'
import { JVM_PROFILES, kafkaJavaArgs, parseJvmOpts } from '../local/kafka-config.js'
import { kafkaAssetsDir } from '../local/kafka-jars.js'
import { checkHeap, findJava } from '../local/kafka.js'
import { LocalServer } from '../local/local-server.js'
import { ServerProcess, withPortRetry } from '../local/server-process.js'
import { makeServerDir } from '../local/temp-dir.js'
import { ensureConnectPlugin, ensureConnectWorkerJars } from './connect-jars.js'
import { explainStartupFailure } from './connect-log.js'
import { connectorRunning, fetchConnectorStatus } from './connect-status.js'
import { toProperties } from './properties.js'
import type { ConnectorStatus, KafkaConnectHandle, KafkaConnectOptions } from './types.js'
import { connectorProperties, connectWorkerProperties } from './worker-config.js'

const MAIN_CLASS = 'org.apache.kafka.connect.cli.ConnectStandalone'

/** What every start attempt shares: the resolved jars and the JVM. */
interface WorkerSpec {
  readonly java: string
  readonly libsDir: string
  readonly pluginPath: readonly string[]
  readonly heapMb: number
  readonly options: KafkaConnectOptions
}

/** Writes a properties file only its owner reads: the connector's holds a database password. */
function writeProperties(path: string, entries: Record<string, string>): string {
  writeFileSync(path, toProperties(entries), { mode: 0o600 })
  return path
}

function workerProcess(spec: WorkerSpec, dir: string, restPort: number): ServerProcess {
  const { options } = spec
  const layout = { brokers: options.brokers, restPort, dir, pluginPath: spec.pluginPath }
  const worker = connectWorkerProperties(layout, options.connector, options.worker)
  const jvm = {
    heapMb: spec.heapMb,
    libsDir: spec.libsDir,
    log4jConfig: join(kafkaAssetsDir(), 'connect', 'log4j2.properties'),
    extraFlags: parseJvmOpts(process.env.FAULTLINE_CONNECT_JVM_OPTS),
    profile: options.jvm ?? 'fast-start',
  }
  return new ServerProcess({
    service: 'kafka-connect',
    command: spec.java,
    args: kafkaJavaArgs(jvm, MAIN_CLASS, [
      writeProperties(join(dir, 'worker.properties'), worker),
      writeProperties(join(dir, 'connector.properties'), connectorProperties(options.connector)),
    ]),
    logFile: join(dir, 'connect.log'),
    cwd: dir,
  })
}

/** The worker options {@link startKafkaConnect} checks before resolving any jar. */
function checkWorkerOptions(options: KafkaConnectOptions): void {
  const context = { service: 'kafka-connect' }
  if (options.jvm !== undefined) checkOneOf('jvm', options.jvm, JVM_PROFILES, context)
  if (options.readyTimeoutMs !== undefined) {
    checkInteger('readyTimeoutMs', options.readyTimeoutMs, { min: 1 }, context)
  }
  checkLog(options.log, context)
}

/** One attempt on a fresh port and dir; a lost port race is retried by the caller. */
async function startWorker(spec: WorkerSpec): Promise<LocalServer> {
  const dir = makeServerDir('kafka-connect')
  const restPort = await freePort()
  const url = `http://127.0.0.1:${restPort}`
  const name = spec.options.connector.name
  const server = new LocalServer({
    service: 'kafka-connect',
    host: '127.0.0.1',
    port: restPort,
    url,
    process: workerProcess(spec, dir, restPort),
    isReady: () => connectorRunning(url, name),
    startTimeoutMs: spec.options.readyTimeoutMs ?? 120_000,
    dirs: [dir],
  })
  try {
    await server.start()
    return server
  } catch (error) {
    // Read the log before stop() removes the dir with it.
    const explained = await explainStartupFailure(error, join(dir, 'connect.log'))
    await server.stop()
    throw explained
  }
}

async function status(url: string, name: string): Promise<ConnectorStatus> {
  const found = await fetchConnectorStatus(url, name).catch((cause: unknown) => {
    throw new InfraError('E_INFRA_COMMAND_FAILED', `Kafka Connect at ${url} did not answer.`, {
      context: { service: 'kafka-connect', connector: name },
      cause,
    })
  })
  if (found !== undefined) return found
  throw new InfraError('E_INFRA_COMMAND_FAILED', `Kafka Connect has no connector "${name}".`, {
    context: { service: 'kafka-connect', connector: name },
  })
}

function toHandle(server: LocalServer, connector: string): KafkaConnectHandle {
  return {
    service: server.service,
    provider: server.provider,
    url: server.url,
    host: server.host,
    port: server.port,
    connector,
    status: () => status(server.url, connector),
    stop: () => server.stop(),
    kill: () => server.kill(),
    pause: () => server.pause(),
    resume: () => server.resume(),
    restart: () => server.restart(),
    logs: (lines) => server.logs(lines),
  }
}

/**
 * Starts a standalone Kafka Connect worker (`ConnectStandalone`, the Kafka release the local
 * broker runs) with one connector, e.g. {@link debeziumOutboxConnector}. The worker's REST API
 * listens on a free loopback port; offsets, properties and the log live in a temp dir that goes
 * on `stop()` or process exit. The first call on a machine resolves the worker's and the
 * connector's jars with mvn into `~/.cache/faultline` (`FAULTLINE_CACHE_DIR`); later calls reuse
 * them. Resolves once the connector and all its tasks are RUNNING. `FAULTLINE_CONNECT_JVM_OPTS`
 * appends JVM flags.
 *
 * @throws InfraError `E_INFRA_STARTUP_FAILED` when the connector or a task goes FAILED or the
 *   worker exits (a config the connector rejects), `E_INFRA_STARTUP_TIMEOUT` when they are not
 *   RUNNING in time; both carry the worker's log tail. `E_INFRA_MISSING_BINARY` without java or
 *   mvn, `E_INFRA_COMMAND_FAILED` when mvn fails, `E_INFRA_INVALID_OPTION` for bad options.
 */
export async function startKafkaConnect(options: KafkaConnectOptions): Promise<KafkaConnectHandle> {
  if (!Array.isArray(options.brokers) || options.brokers.length === 0) {
    throw invalidOption('brokers', options.brokers, 'a list of at least one "host:port"', {
      service: 'kafka-connect',
    })
  }
  const heapMb = checkHeap(options.heapMb ?? 512, 'kafka-connect')
  checkWorkerOptions(options)
  const java = findJava()
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`))
  const jars = { log, cacheDir: options.cacheDir }
  const libsDir = await ensureConnectWorkerJars(jars)
  const pluginPath: string[] = []
  // One mvn at a time: two at once would only share the same 2 cores and the same network.
  for (const plugin of options.connector.plugins) {
    pluginPath.push(await ensureConnectPlugin(plugin, jars))
  }
  const spec = { java, libsDir, pluginPath, heapMb, options }
  const server = await withPortRetry(() => startWorker(spec))
  return toHandle(server, options.connector.name)
}
