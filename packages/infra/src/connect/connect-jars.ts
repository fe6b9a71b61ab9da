import { dirname, join } from 'node:path'
import { KAFKA_VERSION, kafkaAssetsDir } from '../local/kafka-jars.js'
import { ensureMavenJars, type KafkaJarsOptions, type MavenJarSet } from '../local/maven-jars.js'

/** The Debezium release the Postgres connector comes from; its pom must name the same one. */
export const DEBEZIUM_VERSION = '3.6.1.Final'

/**
 * A Kafka Connect plugin: a pom under `packages/infra/kafka/<assetDir>` whose jars are resolved
 * into their own cache dir, named in the worker's `plugin.path`, so the plugin gets its own class
 * loader and its dependencies (Jackson, the JDBC driver) never clash with the worker's.
 */
export interface ConnectPlugin {
  /** Said in log lines, e.g. `Debezium Postgres 3.6.1.Final`. */
  readonly label: string
  /** Folder of `packages/infra/kafka` holding the plugin's pom. */
  readonly assetDir: string
  /** Versioned cache dir, e.g. `debezium-postgres-3.6.1.Final`. */
  readonly dirName: string
  /** A jar that proves the pom named the expected version. */
  readonly checkJar: string
}

/** Debezium's Postgres connector, with the outbox `EventRouter` (debezium-connect-plugins). */
export const DEBEZIUM_POSTGRES_PLUGIN: ConnectPlugin = {
  label: `Debezium Postgres ${DEBEZIUM_VERSION}`,
  assetDir: 'debezium-postgres',
  dirName: `debezium-postgres-${DEBEZIUM_VERSION}`,
  checkJar: `debezium-connector-postgres-${DEBEZIUM_VERSION}.jar`,
}

const WORKER_JARS = (): MavenJarSet => ({
  label: `Kafka Connect ${KAFKA_VERSION}`,
  service: 'kafka-connect',
  pom: join(kafkaAssetsDir(), 'connect', 'pom.xml'),
  dirName: `kafka-connect-${KAFKA_VERSION}`,
  checkJar: `connect-runtime-${KAFKA_VERSION}.jar`,
})

/** The Connect worker's classpath directory; resolved with mvn on first use, cached after. */
export async function ensureConnectWorkerJars(options: KafkaJarsOptions = {}): Promise<string> {
  return await ensureMavenJars(WORKER_JARS(), options)
}

/**
 * Resolves a plugin's jars (first use only) and returns its `plugin.path` entry: the dir that
 * holds the plugin's `libs/`. Connect treats jars lying directly in a `plugin.path` entry as
 * separate uber-jars, so the entry must be the parent of the jar folder.
 */
export async function ensureConnectPlugin(
  plugin: ConnectPlugin,
  options: KafkaJarsOptions = {},
): Promise<string> {
  const set: MavenJarSet = {
    label: plugin.label,
    service: 'kafka-connect',
    pom: join(kafkaAssetsDir(), plugin.assetDir, 'pom.xml'),
    dirName: plugin.dirName,
    checkJar: plugin.checkJar,
  }
  return dirname(await ensureMavenJars(set, options))
}
