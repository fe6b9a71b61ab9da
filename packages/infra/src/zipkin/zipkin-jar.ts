import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { InfraError } from '../errors.js'
import { ensureMavenJars, type KafkaJarsOptions } from '../local/maven-jars.js'

/** The Zipkin server release the local provider runs; `zipkin/pom.xml` must name the same one. */
export const ZIPKIN_VERSION = '3.6.1'

/** The self-contained jar's file name. */
export const ZIPKIN_JAR = `zipkin-server-${ZIPKIN_VERSION}-exec.jar`

/** `packages/infra/zipkin`, found from both `src/zipkin` (tests) and `dist/src/zipkin` (built). */
export function zipkinAssetsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url))
  const candidates = [join(here, '..', '..', 'zipkin'), join(here, '..', '..', '..', 'zipkin')]
  const found = candidates.find((dir) => existsSync(join(dir, 'pom.xml')))
  if (found !== undefined) return found
  throw new InfraError(
    'E_INFRA_ASSET_MISSING',
    `zipkin/pom.xml not found near ${here}: reinstall @faultline/infra.`,
    {
      context: { service: 'zipkin', searched: candidates },
    },
  )
}

/**
 * Makes sure the Zipkin `exec` jar (135 MB, from Maven Central) is in the cache and returns its
 * path. The first call runs mvn; later calls, from any process, only check a marker file.
 */
export async function ensureZipkinJar(options: KafkaJarsOptions = {}): Promise<string> {
  const libs = await ensureMavenJars(
    {
      label: `Zipkin ${ZIPKIN_VERSION}`,
      service: 'zipkin',
      pom: join(zipkinAssetsDir(), 'pom.xml'),
      dirName: `zipkin-${ZIPKIN_VERSION}`,
      checkJar: ZIPKIN_JAR,
      envVars: [],
    },
    options,
  )
  return join(libs, ZIPKIN_JAR)
}
