import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { InfraError } from '../errors.js'
import { findBinary } from './binaries.js'
import { runTool } from './kafka-exec.js'
import { withDirLock } from './kafka-lock.js'

/** The Apache Kafka release the local provider runs; `kafka/pom.xml` must name the same one. */
export const KAFKA_VERSION = '4.3.1'

/** Options for {@link ensureKafkaJars}. */
export interface KafkaJarsOptions {
  /** Root of the cache. @default `$FAULTLINE_CACHE_DIR`, else `~/.cache/faultline` */
  cacheDir?: string
  /** Receives a line when jars are resolved (a slow, first-use-only step). */
  log?: (line: string) => void
  /** Limit for mvn, and for waiting on another process that runs it. @default 600000 */
  timeoutMs?: number
}

const MVN_GOAL = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies'

/** `packages/infra/kafka`, found from both `src/local` (tests) and `dist/src/local` (built). */
export function kafkaAssetsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url))
  const candidates = [join(here, '..', '..', 'kafka'), join(here, '..', '..', '..', 'kafka')]
  const found = candidates.find((dir) => existsSync(join(dir, 'pom.xml')))
  if (found !== undefined) return found
  throw new InfraError('E_INFRA_BAD_OPTION', `kafka/pom.xml not found near ${here}.`, {
    context: { service: 'kafka', searched: candidates },
  })
}

/** `<cache>/kafka-<version>`: outside the repo, so jars survive clones and `git clean`. */
export function kafkaCacheDir(cacheDir?: string): string {
  const root = cacheDir ?? process.env.FAULTLINE_CACHE_DIR ?? join(homedir(), '.cache', 'faultline')
  return join(root, `kafka-${KAFKA_VERSION}`)
}

/** The marker holds the pom's hash, so editing the pom (say, the log4j version) re-resolves. */
function pomHash(pom: string): string {
  return createHash('sha256').update(readFileSync(pom)).digest('hex')
}

function isComplete(versionDir: string, pom: string): boolean {
  const marker = join(versionDir, 'libs.complete')
  const jar = join(versionDir, 'libs', `kafka_2.13-${KAFKA_VERSION}.jar`)
  try {
    return readFileSync(marker, 'utf8').trim() === pomHash(pom) && existsSync(jar)
  } catch {
    return false
  }
}

/**
 * Makes sure the broker's jars are in the cache and returns their directory. The first call runs
 * mvn (needs Maven Central); later calls, from any process, only check a marker file. A dir that
 * lacks the marker was cut short and is resolved again. Concurrent callers wait on one lock.
 */
export async function ensureKafkaJars(options: KafkaJarsOptions = {}): Promise<string> {
  const pom = join(kafkaAssetsDir(), 'pom.xml')
  const versionDir = kafkaCacheDir(options.cacheDir)
  const libs = join(versionDir, 'libs')
  if (isComplete(versionDir, pom)) return libs
  const mvn = findBinary('mvn', { debianPackage: 'maven', envVars: ['FAULTLINE_KAFKA_BROKERS'] })
  const timeoutMs = options.timeoutMs ?? 600_000
  mkdirSync(versionDir, { recursive: true })
  await withDirLock(
    join(versionDir, '.lock'),
    async () => {
      if (isComplete(versionDir, pom)) return // Another process finished while we waited.
      await resolveJars(mvn, pom, versionDir, { ...options, timeoutMs })
    },
    { timeoutMs },
  )
  return libs
}

async function resolveJars(
  mvn: string,
  pom: string,
  versionDir: string,
  options: KafkaJarsOptions & { timeoutMs: number },
): Promise<void> {
  const libs = join(versionDir, 'libs')
  options.log?.(`kafka: resolving Kafka ${KAFKA_VERSION} jars with mvn into ${libs} (first use)`)
  rmSync(join(versionDir, 'libs.complete'), { force: true })
  rmSync(libs, { recursive: true, force: true })
  const started = Date.now()
  await runTool({
    what: `mvn copy-dependencies for ${pom}`,
    command: mvn,
    args: ['-B', '-q', '-f', pom, MVN_GOAL, '-DincludeScope=runtime', `-DoutputDirectory=${libs}`],
    timeoutMs: options.timeoutMs,
  })
  if (!existsSync(join(libs, `kafka_2.13-${KAFKA_VERSION}.jar`))) {
    throw new InfraError(
      'E_INFRA_BAD_OPTION',
      `${pom} did not bring kafka_2.13-${KAFKA_VERSION}.jar: its kafka.version must match KAFKA_VERSION.`,
      { context: { service: 'kafka', pom, libs } },
    )
  }
  writeFileSync(join(versionDir, 'libs.complete'), `${pomHash(pom)}\n`)
  options.log?.(`kafka: jars resolved in ${Date.now() - started} ms`)
}
