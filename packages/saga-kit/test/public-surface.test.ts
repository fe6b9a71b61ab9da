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
  '@faultline/saga-kit': [
    'SAGA_DEFAULTS',
    'SagaKitError',
    'assertUnlocked',
    'command',
    'contextFromHeaders',
    'createMemoryTransport',
    'createOrchestrator',
    'createParticipant',
    'createPgQueueTransport',
    'createReactor',
    'defineParticipant',
    'defineSaga',
    'emitEvent',
    'entityLockHolder',
    'isSagaKitError',
    'migrateSagaKit',
    'rejectStep',
    'traceHeaders',
    'withTx',
  ],
  '@faultline/saga-kit/sync-kit': ['SAGA_EVENT_TYPE', 'createSyncKitTransport'],
  '@faultline/saga-kit/testing': [
    'SimulatedCrash',
    'buildSagaMessage',
    'decide',
    'decodeCommand',
    'decodeReply',
    'faultHook',
    'probeOrchestrator',
    'transportContract',
    'withFaultHook',
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
        const [name, subpath] = specifier.slice('@faultline/'.length).split('/')
        visit(`${PACKAGES}${name}/src/${subpath ?? 'index'}.ts`)
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

  test('the root loads neither sync-kit, a broker client nor vitest', () => {
    const imported = [...runtimeImports(`${SRC}index.ts`)].sort()
    expect(imported).toStrictEqual(['@faultline/common', '@opentelemetry/api', 'node:crypto', 'pg'])
  })

  test('./sync-kit loads sync-kit, and ./testing loads vitest (the walker sees through files)', () => {
    expect(runtimeImports(`${SRC}sync-kit.ts`)).toContain('@faultline/sync-kit')
    expect(runtimeImports(`${SRC}testing.ts`)).toContain('vitest')
  })
})
