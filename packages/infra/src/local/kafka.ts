import { join } from 'node:path'
import { invalidOption } from '../errors.js'
import type { KafkaHandle, KafkaOptions } from '../types.js'
import { findBinary } from './binaries.js'
import { removeTrackedDir } from './cleanup.js'
import { freePort } from './free-port.js'
import { KafkaClassArchive } from './kafka-cds.js'
import { parseJvmOpts } from './kafka-config.js'
import { ensureKafkaJars, kafkaAssetsDir } from './kafka-jars.js'
import { LocalKafkaNode } from './kafka-node.js'
import { withPortRetry } from './server-process.js'
import { makeServerDir } from './temp-dir.js'

export { ensureKafkaJars, KAFKA_VERSION } from './kafka-jars.js'
export type { KafkaJarsOptions } from './kafka-jars.js'

const DEFAULT_HEAP_MB = 512
/** Measured 4–18 s to ready on 2 busy cores, ~35 s before the class archive exists. */
const READY_TIMEOUT_MS = 120_000

/** Checks a JVM heap option (`heapMb`) for a Kafka-family JVM. */
export function checkHeap(heapMb: number, service = 'kafka'): number {
  if (Number.isSafeInteger(heapMb) && heapMb >= 128) return heapMb
  throw invalidOption('heapMb', heapMb, 'an integer of at least 128 (MB)', { service })
}

/** The `java` binary, or `E_INFRA_MISSING_BINARY` naming the Debian package. */
export function findJava(): string {
  return findBinary('java', {
    debianPackage: 'default-jre-headless',
    envVars: ['FAULTLINE_KAFKA_BROKERS'],
  })
}

/** Picks two free ports and starts a fresh node there; a lost port race is retried by the caller. */
async function startNode(java: string, libsDir: string, heapMb: number): Promise<LocalKafkaNode> {
  const dir = makeServerDir('kafka')
  const port = await freePort()
  let controllerPort = await freePort()
  while (controllerPort === port) controllerPort = await freePort()
  const extraFlags = parseJvmOpts(process.env.FAULTLINE_KAFKA_JVM_OPTS)
  const node = new LocalKafkaNode({
    java,
    dir,
    port,
    controllerPort,
    jvm: { heapMb, libsDir, log4jConfig: join(kafkaAssetsDir(), 'log4j2.properties'), extraFlags },
    readyTimeoutMs: READY_TIMEOUT_MS,
    archive: extraFlags.includes('-Xshare:off') ? undefined : new KafkaClassArchive(java, libsDir),
  })
  try {
    await node.create()
    return node
  } catch (error) {
    await node.kill()
    removeTrackedDir(dir)
    throw error
  }
}

function toHandle(node: LocalKafkaNode): KafkaHandle {
  return {
    service: 'kafka',
    provider: 'local',
    url: node.broker,
    brokers: [node.broker],
    host: '127.0.0.1',
    port: node.spec.port,
    stop: () => node.stop(),
    kill: () => node.kill(),
    pause: () => Promise.resolve(node.pause()),
    resume: () => Promise.resolve(node.resume()),
    restart: () => node.restart(),
    logs: (lines) => node.logs(lines),
  }
}

/**
 * Starts a single-node KRaft Kafka (broker and controller in one JVM) on free loopback ports, with
 * its data in a temp dir that goes away on `stop()` or process exit. Resolves once a client's
 * admin request is answered. The first call on a machine resolves the jars with mvn
 * ({@link ensureKafkaJars}); later calls reuse the cache. `FAULTLINE_CACHE_DIR` moves the cache;
 * `FAULTLINE_KAFKA_JVM_OPTS` appends JVM flags (e.g. `-XX:+UseG1GC -XX:TieredStopAtLevel=4` for
 * throughput benchmarks, `-Xshare:off` to skip the class archive).
 *
 * @throws InfraError `E_INFRA_MISSING_BINARY` without java or mvn, `E_INFRA_COMMAND_FAILED` when
 *   mvn or the storage format fails, `E_INFRA_STARTUP_FAILED` / `E_INFRA_STARTUP_TIMEOUT` with the
 *   broker's log tail, `E_INFRA_PORT_IN_USE` after repeated port races.
 */
export async function startLocalKafka(options: KafkaOptions = {}): Promise<KafkaHandle> {
  const heapMb = checkHeap(options.heapMb ?? DEFAULT_HEAP_MB)
  const java = findJava()
  // The first use runs mvn for tens of seconds; say so, on stderr unless the caller takes lines.
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`))
  const libsDir = await ensureKafkaJars({ log })
  const node = await withPortRetry(() => startNode(java, libsDir, heapMb))
  return toHandle(node)
}
