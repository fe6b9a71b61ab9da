#!/usr/bin/env node
// Pre-fetches the jars of the local Kafka broker, the Kafka Connect worker and the Debezium
// Postgres connector into the cache (see ensureKafkaJars, ensureConnectWorkerJars,
// ensureConnectPlugin), so that CI resolves them once, before tests, and not inside a test's
// startup timeout. It loads the built package (after `tsc -b`) rather than duplicating the
// mvn/lock/marker logic; without a build it falls back to the TypeScript source through tsx, a
// dev dependency of the workspace.
// Unless given --jars-only, it then starts and stops one broker: a smoke test of the jars, and
// the clean exit that writes the JVM class archive which makes every later broker start faster.
// --no-connect skips the Connect and Debezium jars (~25 s of mvn on first use).
import console from 'node:console'
import { existsSync } from 'node:fs'
import process from 'node:process'
import { URL, fileURLToPath } from 'node:url'

async function load(module) {
  const built = new URL(`../dist/src/${module}.js`, import.meta.url)
  if (existsSync(fileURLToPath(built))) return import(built.href)
  const { tsImport } = await import('tsx/esm/api')
  return tsImport(`../src/${module}.ts`, import.meta.url)
}

async function warmUp(startLocalKafka) {
  const started = Date.now()
  const kafka = await startLocalKafka({ log: (line) => console.log(line) })
  const ready = Date.now() - started
  await kafka.stop()
  console.log(`fetch-kafka-jars: broker answered at ${kafka.url} after ${ready} ms, then stopped`)
}

async function fetchConnect(log) {
  const started = Date.now()
  const connect = await load('connect/connect-jars')
  const libs = await connect.ensureConnectWorkerJars({ log })
  const plugin = await connect.ensureConnectPlugin(connect.DEBEZIUM_POSTGRES_PLUGIN, { log })
  console.log(
    `fetch-kafka-jars: Kafka Connect jars in ${libs}, Debezium ${connect.DEBEZIUM_VERSION} in ${plugin} (${Date.now() - started} ms)`,
  )
}

const started = Date.now()
const log = (line) => console.log(line)
try {
  const { ensureKafkaJars, startLocalKafka, KAFKA_VERSION } = await load('local/kafka')
  const libs = await ensureKafkaJars({ log })
  console.log(
    `fetch-kafka-jars: Kafka ${KAFKA_VERSION} jars ready in ${libs} (${Date.now() - started} ms)`,
  )
  if (!process.argv.includes('--no-connect')) await fetchConnect(log)
  if (!process.argv.includes('--jars-only')) await warmUp(startLocalKafka)
} catch (error) {
  console.error(`fetch-kafka-jars: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
}
