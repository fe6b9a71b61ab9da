import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'

const SRC = fileURLToPath(new URL('../src/', import.meta.url))
const PACKAGES = fileURLToPath(new URL('../../', import.meta.url))

/**
 * The value exports of each entry point: exactly what the README documents. A change here is a
 * change to the public API, so it shows in review.
 */
const VALUE_EXPORTS: Record<string, string[]> = {
  '@faultline/cache-kit': [
    'CACHE_DEFAULTS',
    'CacheKitError',
    'CounterRegistry',
    'compareLsn',
    'createCache',
    'createJsonSerializer',
    'createMemoryBusHub',
    'createMemoryCacheStore',
    'formatLsn',
    'isCacheKitError',
    'parseLsn',
  ],
  '@faultline/cache-kit/redis': ['createRedisBus', 'createRedisStore'],
  '@faultline/cache-kit/postgres': ['REPLICA_DEFAULTS', 'createReplicaRouter'],
  '@faultline/cache-kit/sync-kit': ['applyEvent', 'changeFromEvent'],
  '@faultline/cache-kit/testing': [
    'cacheStoreContract',
    'createManualClock',
    'invalidationBusContract',
  ],
}

/**
 * The bare modules a file's runtime imports name (type-only imports are erased, so they load
 * nothing), following relative imports and workspace packages through their sources.
 */
function runtimeImports(entry: string): Set<string> {
  const seen = new Set<string>()
  const bare = new Set<string>()
  const visit = (file: string): void => {
    if (seen.has(file)) return
    seen.add(file)
    const text = readFileSync(file, 'utf8')
    const pattern = /^\s*(?:import|export)\s+(type\s+)?(?:[^'"]*?\s+from\s+)?['"]([^'"]+)['"]/gm
    for (const match of text.matchAll(pattern)) {
      const [, typeOnly, specifier] = match
      if (typeOnly !== undefined || specifier === undefined) continue
      if (specifier.startsWith('.'))
        visit(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')))
      else if (specifier.startsWith('@faultline/')) {
        bare.add(specifier)
        visit(`${PACKAGES}${specifier.slice('@faultline/'.length)}/src/index.ts`)
      } else bare.add(specifier)
    }
  }
  visit(entry)
  return bare
}

describe('public surface', () => {
  test.each(Object.entries(VALUE_EXPORTS))(
    '%s exports exactly its documented values',
    async (entry, names) => {
      const module = (await import(entry)) as Record<string, unknown>
      expect(Object.keys(module).sort()).toStrictEqual([...names].sort())
    },
  )

  test('the root imports neither ioredis, pg nor vitest, so it loads with none of them installed', () => {
    const imported = [...runtimeImports(`${SRC}index.ts`)].sort()
    expect(imported).toStrictEqual([
      '@faultline/common',
      '@opentelemetry/api',
      'lru-cache',
      'node:crypto',
    ])
  })

  test('./redis loads ioredis and ./postgres loads no driver at all', () => {
    expect(runtimeImports(`${SRC}redis.ts`)).toContain('ioredis')
    const postgres = runtimeImports(`${SRC}postgres.ts`)
    expect(postgres).not.toContain('pg')
    expect(postgres).not.toContain('ioredis')
  })

  test('./sync-kit names @faultline/sync-kit in types only, so it loads without sync-kit installed', () => {
    expect([...runtimeImports(`${SRC}sync-kit.ts`)]).toStrictEqual(['@faultline/common'])
    expect(readFileSync(`${SRC}adapters/sync-kit-change.ts`, 'utf8')).toContain(
      "import type { ConsumedEvent } from '@faultline/sync-kit'",
    )
  })

  test('the walker sees through the files: it finds the driver behind ./redis', () => {
    // Guards the check above: a walker that found nothing would pass it too.
    expect(runtimeImports(`${SRC}adapters/redis-store.ts`)).toContain('ioredis')
    expect(runtimeImports(`${SRC}testing.ts`)).toContain('vitest')
  })
})
