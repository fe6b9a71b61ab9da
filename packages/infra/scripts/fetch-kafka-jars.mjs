#!/usr/bin/env node
// Pre-fetches the local Kafka broker's jars into the cache (see ensureKafkaJars), so that CI
// resolves them once, before tests, and not inside a test's startup timeout.
// Run after `tsc -b`: it uses the built package rather than duplicating the mvn/lock/marker logic.
import console from 'node:console'
import { existsSync } from 'node:fs'
import process from 'node:process'
import { URL, fileURLToPath } from 'node:url'

const built = new URL('../dist/src/local/kafka.js', import.meta.url)
if (!existsSync(fileURLToPath(built))) {
  console.error(`fetch-kafka-jars: ${fileURLToPath(built)} is missing; run 'npx tsc -b' first.`)
  process.exit(2)
}

const { ensureKafkaJars, KAFKA_VERSION } = await import(built.href)
const started = Date.now()
try {
  const libs = await ensureKafkaJars({ log: (line) => console.log(line) })
  console.log(
    `fetch-kafka-jars: Kafka ${KAFKA_VERSION} jars ready in ${libs} (${Date.now() - started} ms)`,
  )
} catch (error) {
  console.error(`fetch-kafka-jars: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
}
