#!/usr/bin/env node
// Pre-fetches the Zipkin server's exec jar (io.zipkin:zipkin-server, ~135 MB) from Maven Central
// into the cache (see ensureZipkinJar), so that CI resolves it once, before tests, and not inside
// a test's startup timeout. Like fetch-kafka-jars.mjs it loads the built package, else the
// TypeScript source through tsx.
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

const started = Date.now()
try {
  const { ensureZipkinJar, ZIPKIN_VERSION } = await load('zipkin/zipkin-jar')
  const jar = await ensureZipkinJar({ log: (line) => console.log(line) })
  console.log(`fetch-zipkin-jar: Zipkin ${ZIPKIN_VERSION} at ${jar} (${Date.now() - started} ms)`)
} catch (error) {
  console.error(`fetch-zipkin-jar: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
}
