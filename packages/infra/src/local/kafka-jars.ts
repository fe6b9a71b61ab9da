import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { InfraError } from '../errors.js'
import { ensureMavenJars, faultlineCacheRoot, type KafkaJarsOptions } from './maven-jars.js'

export type { KafkaJarsOptions } from './maven-jars.js'

/** The Apache Kafka release the local provider runs; `kafka/pom.xml` must name the same one. */
export const KAFKA_VERSION = '4.3.1'

/** `packages/infra/kafka`, found from both `src/local` (tests) and `dist/src/local` (built). */
export function kafkaAssetsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url))
  const candidates = [join(here, '..', '..', 'kafka'), join(here, '..', '..', '..', 'kafka')]
  const found = candidates.find((dir) => existsSync(join(dir, 'pom.xml')))
  if (found !== undefined) return found
  throw new InfraError(
    'E_INFRA_ASSET_MISSING',
    `kafka/pom.xml not found near ${here}: reinstall @faultline/infra.`,
    {
      context: { service: 'kafka', searched: candidates },
    },
  )
}

/** `<cache>/kafka-<version>`: outside the repo, so jars survive clones and `git clean`. */
export function kafkaCacheDir(cacheDir?: string): string {
  return join(faultlineCacheRoot(cacheDir), `kafka-${KAFKA_VERSION}`)
}

/**
 * Makes sure the broker's jars are in the cache and returns their directory. The first call runs
 * mvn (needs Maven Central); later calls, from any process, only check a marker file. A dir that
 * lacks the marker was cut short and is resolved again. Concurrent callers wait on one lock.
 */
export async function ensureKafkaJars(options: KafkaJarsOptions = {}): Promise<string> {
  const set = {
    label: `Kafka ${KAFKA_VERSION}`,
    service: 'kafka',
    pom: join(kafkaAssetsDir(), 'pom.xml'),
    dirName: `kafka-${KAFKA_VERSION}`,
    checkJar: `kafka_2.13-${KAFKA_VERSION}.jar`,
  }
  return await ensureMavenJars(set, options)
}
