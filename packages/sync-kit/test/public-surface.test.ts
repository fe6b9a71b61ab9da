import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'

const SRC = fileURLToPath(new URL('../src/', import.meta.url))
const PACKAGES = fileURLToPath(new URL('../../', import.meta.url))

/**
 * The value exports of each entry point: exactly what the README documents. A change here is a
 * change to the public API, so it shows in review. Classes ship as types only: each is made by
 * its one `createX` function.
 */
const VALUE_EXPORTS: Record<string, string[]> = {
  '@faultline/sync-kit': [
    'DLQ_HEADERS',
    'HEADER_AGGREGATE_VERSION',
    'HEADER_COMMIT_LSN',
    'HEADER_EVENT_ID',
    'HEADER_EVENT_TYPE',
    'SYNC_DEFAULTS',
    'SyncKitError',
    'aggregateKey',
    'appendEvents',
    'appendEventsStatement',
    'compareLsn',
    'createBackfill',
    'createConsumer',
    'createLogicalRelay',
    'createMemoryBroker',
    'createMemoryConsumerStore',
    'createMemoryPublisher',
    'createPollingRelay',
    'createPostgresConsumerStore',
    'createProjectionRunner',
    'createUpcasters',
    'decodeEnvelope',
    'defineProjection',
    'encodeEnvelope',
    'formatLsn',
    'isRefusedMessage',
    'isSyncKitError',
    'migrateSyncKit',
    'parseLsn',
    'readDeadLetter',
    'readSlotStatus',
    'totalLag',
    'uuidv7',
  ],
  '@faultline/sync-kit/kafka': ['createKafkaEventConsumer', 'createKafkaPublisher'],
  '@faultline/sync-kit/rabbitmq': ['createRabbitMqPublisher'],
  '@faultline/sync-kit/testing': [
    'consumerStoreContract',
    'eventConsumerContract',
    'eventPublisherContract',
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

  test('the root loads neither kafkajs, amqplib nor vitest, so it works with none installed', () => {
    const imported = runtimeImports(`${SRC}index.ts`)
    for (const optional of ['kafkajs', 'amqplib', 'vitest']) {
      expect(imported).not.toContain(optional)
    }
  })

  test('./kafka loads kafkajs only, ./rabbitmq amqplib only, ./testing vitest', () => {
    const kafka = runtimeImports(`${SRC}kafka.ts`)
    expect(kafka).toContain('kafkajs')
    expect(kafka).not.toContain('amqplib')
    const rabbit = runtimeImports(`${SRC}rabbitmq.ts`)
    expect(rabbit).toContain('amqplib')
    expect(rabbit).not.toContain('kafkajs')
    expect(runtimeImports(`${SRC}testing.ts`)).toContain('vitest')
  })
})
