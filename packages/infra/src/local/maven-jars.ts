import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { InfraError } from '../errors.js'
import { findBinary } from './binaries.js'
import { runTool } from './kafka-exec.js'
import { withDirLock } from './kafka-lock.js'

/** Options for resolving a set of jars from Maven Central into the local cache. */
export interface KafkaJarsOptions {
  /** Root of the cache. @default `$FAULTLINE_CACHE_DIR`, else `~/.cache/faultline` */
  cacheDir?: string
  /** Receives a line when jars are resolved (a slow, first-use-only step). */
  log?: (line: string) => void
  /** Limit for mvn, and for waiting on another process that runs it. @default 600000 */
  timeoutMs?: number
}

/** One set of jars: a checked-in pom whose runtime dependencies are copied into a cache dir. */
export interface MavenJarSet {
  /** Said in log lines and errors, e.g. `Kafka 4.3.1`. */
  readonly label: string
  /** The service named in error contexts. */
  readonly service: string
  /** The pom whose dependencies are copied. */
  readonly pom: string
  /** Cache subdirectory, versioned, e.g. `kafka-4.3.1`; the jars go into its `libs/`. */
  readonly dirName: string
  /** A jar that must be in `libs/` afterwards: proof that the pom names the expected version. */
  readonly checkJar: string
  /** Env vars that avoid needing these jars, named when mvn is missing. @default Kafka's */
  readonly envVars?: readonly string[]
}

const MVN_GOAL = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies'

/** The cache root, outside the repo, so jars survive clones and `git clean`. */
export function faultlineCacheRoot(cacheDir?: string): string {
  return cacheDir ?? process.env.FAULTLINE_CACHE_DIR ?? join(homedir(), '.cache', 'faultline')
}

/** The marker holds the pom's hash, so editing the pom (say, the log4j version) re-resolves. */
function pomHash(pom: string): string {
  return createHash('sha256').update(readFileSync(pom)).digest('hex')
}

function isComplete(set: MavenJarSet, versionDir: string): boolean {
  try {
    const marker = readFileSync(join(versionDir, 'libs.complete'), 'utf8').trim()
    return marker === pomHash(set.pom) && existsSync(join(versionDir, 'libs', set.checkJar))
  } catch {
    return false
  }
}

/**
 * Makes sure a jar set is in the cache and returns its `libs` directory. The first call runs mvn
 * (needs Maven Central); later calls, from any process, only check a marker file. A dir that
 * lacks the marker was cut short and is resolved again. Concurrent callers wait on one lock.
 */
export async function ensureMavenJars(
  set: MavenJarSet,
  options: KafkaJarsOptions = {},
): Promise<string> {
  const versionDir = join(faultlineCacheRoot(options.cacheDir), set.dirName)
  const libs = join(versionDir, 'libs')
  if (isComplete(set, versionDir)) return libs
  const envVars = set.envVars ?? ['FAULTLINE_KAFKA_BROKERS']
  const mvn = findBinary('mvn', { debianPackage: 'maven', envVars })
  const timeoutMs = options.timeoutMs ?? 600_000
  mkdirSync(versionDir, { recursive: true })
  await withDirLock(
    join(versionDir, '.lock'),
    async () => {
      if (isComplete(set, versionDir)) return // Another process finished while we waited.
      await resolveJars(set, mvn, versionDir, { ...options, timeoutMs })
    },
    { timeoutMs },
  )
  return libs
}

async function resolveJars(
  set: MavenJarSet,
  mvn: string,
  versionDir: string,
  options: KafkaJarsOptions & { timeoutMs: number },
): Promise<void> {
  const libs = join(versionDir, 'libs')
  options.log?.(`${set.service}: resolving ${set.label} jars with mvn into ${libs} (first use)`)
  rmSync(join(versionDir, 'libs.complete'), { force: true })
  rmSync(libs, { recursive: true, force: true })
  const started = Date.now()
  await runTool({
    what: `mvn copy-dependencies for ${set.pom}`,
    command: mvn,
    args: [
      '-B',
      '-q',
      '-f',
      set.pom,
      MVN_GOAL,
      '-DincludeScope=runtime',
      `-DoutputDirectory=${libs}`,
    ],
    timeoutMs: options.timeoutMs,
  })
  if (!existsSync(join(libs, set.checkJar))) {
    throw new InfraError(
      'E_INFRA_ASSET_MISSING',
      `${set.pom} did not bring ${set.checkJar}: its versions must match the code's (${set.label}).`,
      { context: { service: set.service, pom: set.pom, libs } },
    )
  }
  writeFileSync(join(versionDir, 'libs.complete'), `${pomHash(set.pom)}\n`)
  options.log?.(`${set.service}: ${set.label} jars resolved in ${Date.now() - started} ms`)
}
