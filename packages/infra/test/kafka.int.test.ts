import kafkajs from 'kafkajs'
import type { Kafka as KafkaClient, KafkaMessage } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { isInfraError } from '../src/errors.js'
import type { KafkaHandle } from '../src/types.js'
import { findBinary } from '../src/local/binaries.js'
import { freePort } from '../src/local/free-port.js'
import { KafkaClassArchive } from '../src/local/kafka-cds.js'
import { ensureKafkaJars, KAFKA_VERSION, startLocalKafka } from '../src/local/kafka.js'
import { kafkaAssetsDir } from '../src/local/kafka-jars.js'
import { LocalKafkaNode } from '../src/local/kafka-node.js'
import { makeServerDir } from '../src/local/temp-dir.js'
import { readTopic } from './kafka.helpers.js'

const { Kafka, logLevel, Partitioners } = kafkajs
const TOPIC = 'orders'

function client(handle: KafkaHandle, retries = 5): KafkaClient {
  return new Kafka({
    clientId: 'kafka-int-test',
    brokers: handle.brokers,
    connectionTimeout: 2_000,
    requestTimeout: 5_000,
    retry: { retries, initialRetryTime: 200 },
    logLevel: logLevel.NOTHING,
  })
}

async function timed(what: string, fn: () => Promise<void>): Promise<void> {
  const started = performance.now()
  await fn()
  console.log(`[kafka ${KAFKA_VERSION}] ${what}: ${Math.round(performance.now() - started)} ms`)
}

async function produceIdempotent(kafka: KafkaClient, values: string[]): Promise<void> {
  const producer = kafka.producer({
    idempotent: true,
    createPartitioner: Partitioners.DefaultPartitioner,
  })
  await producer.connect()
  try {
    await producer.send({ topic: TOPIC, acks: -1, messages: values.map((value) => ({ value })) })
  } finally {
    await producer.disconnect()
  }
}

/** One transaction per entry: `commit` decides whether it commits or aborts. */
async function produceTransactions(
  kafka: KafkaClient,
  transactions: { values: string[]; commit: boolean }[],
): Promise<void> {
  const producer = kafka.producer({
    transactionalId: `tx-${Math.random().toString(36).slice(2)}`,
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  })
  await producer.connect()
  try {
    for (const { values, commit } of transactions) {
      const tx = await producer.transaction()
      await tx.send({ topic: TOPIC, messages: values.map((value) => ({ value })) })
      await (commit ? tx.commit() : tx.abort())
    }
  } finally {
    await producer.disconnect()
  }
}

/** Reads TOPIC from the beginning in a fresh group until `last` arrives; returns what it read. */
async function consumeUntil(
  kafka: KafkaClient,
  last: string,
  readUncommitted = false,
): Promise<string[]> {
  const value = (m: KafkaMessage) => m.value?.toString() ?? ''
  const seen = await readTopic(kafka, TOPIC, (read) => read.some((m) => value(m) === last), {
    readUncommitted,
  })
  return seen.map(value)
}

describe('startLocalKafka()', () => {
  let handle: KafkaHandle

  beforeAll(async () => {
    await timed('jar check (cached after the first run)', async () => {
      await ensureKafkaJars()
    })
    await timed('broker start (format + JVM + first admin answer)', async () => {
      handle = await startLocalKafka({})
    })
  })
  afterAll(() => handle?.stop())

  test('hands out a local handle on loopback', async () => {
    expect(handle).toMatchObject({ service: 'kafka', provider: 'local', host: '127.0.0.1' })
    expect(handle.url).toBe(`127.0.0.1:${handle.port}`)
    expect(handle.brokers).toEqual([handle.url])
    expect(await handle.logs(200)).toMatch(/Kafka Server started/)
  })

  test('read_committed consumers see idempotent and committed messages, never aborted ones', async () => {
    const kafka = client(handle)
    const admin = kafka.admin()
    await admin.connect()
    expect(await admin.createTopics({ topics: [{ topic: TOPIC }], waitForLeaders: true })).toBe(
      true,
    )
    await admin.disconnect()

    await produceIdempotent(kafka, ['idem-1', 'idem-2'])
    await produceTransactions(kafka, [
      { values: ['tx-a-1', 'tx-a-2'], commit: true },
      { values: ['tx-b-1', 'tx-b-2'], commit: false },
      { values: ['tx-c-1'], commit: true },
    ])

    const committed = await consumeUntil(kafka, 'tx-c-1')
    expect(committed).toEqual(['idem-1', 'idem-2', 'tx-a-1', 'tx-a-2', 'tx-c-1'])
    // The aborted records are really in the log: a read_uncommitted consumer gets them.
    const everything = await consumeUntil(kafka, 'tx-c-1', true)
    expect(everything).toEqual(expect.arrayContaining(['tx-b-1', 'tx-b-2']))
  })

  test('restart() keeps port and data, and the round trip still works', async () => {
    const port = handle.port
    await timed('graceful restart until ready', () => handle.restart())
    expect(handle.port).toBe(port)
    const kafka = client(handle)
    await produceTransactions(kafka, [{ values: ['after-restart'], commit: true }])
    const seen = await consumeUntil(kafka, 'after-restart')
    expect(seen).toEqual(['idem-1', 'idem-2', 'tx-a-1', 'tx-a-2', 'tx-c-1', 'after-restart'])
  })

  test('kill() makes a client fail, and restart() brings the broker back with its data', async () => {
    await handle.kill()
    const admin = client(handle, 0).admin()
    await expect(admin.connect().then(() => admin.listTopics())).rejects.toThrow()
    await admin.disconnect()

    await timed('restart after kill() until ready', () => handle.restart())
    const kafka = client(handle)
    await produceIdempotent(kafka, ['after-kill'])
    const seen = await consumeUntil(kafka, 'after-kill')
    expect(seen).toContain('after-restart')
    expect(seen).not.toContain('tx-b-1')
  })

  test('pause() makes requests time out and resume() answers them again', async () => {
    const admin = new Kafka({
      brokers: handle.brokers,
      requestTimeout: 1_000,
      retry: { retries: 0 },
      logLevel: logLevel.NOTHING,
    }).admin()
    await admin.connect()
    await handle.pause()
    try {
      await expect(admin.listTopics()).rejects.toThrow(/timed out|timeout/i)
    } finally {
      await handle.resume()
    }
    await admin.disconnect()
    const fresh = client(handle).admin()
    await fresh.connect()
    expect((await fresh.listTopics()).includes(TOPIC)).toBe(true)
    await fresh.disconnect()
  })

  test('stop() shuts down, removes the data, and a second stop() is a no-op', async () => {
    await handle.stop()
    expect(await handle.logs()).toMatch(/no log at/)
    await handle.stop()
    await expect(handle.restart()).rejects.toThrow(/stopped/)
  })
})

describe('LocalKafkaNode', () => {
  test('a port taken before the broker binds it fails with E_INFRA_PORT_IN_USE and the log tail', async () => {
    const squatter: Server = createServer()
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve))
    const address = squatter.address()
    const port = typeof address === 'object' && address !== null ? address.port : 0
    const java = findBinary('java', { debianPackage: 'default-jre-headless', envVars: [] })
    const libsDir = await ensureKafkaJars()
    const node = new LocalKafkaNode({
      java,
      dir: makeServerDir('kafka'),
      port,
      controllerPort: await freePort(),
      jvm: {
        heapMb: 256,
        libsDir,
        log4jConfig: join(kafkaAssetsDir(), 'log4j2.properties'),
      },
      readyTimeoutMs: 60_000,
      archive: new KafkaClassArchive(java, libsDir),
    })
    try {
      const error: unknown = await node.create().catch((e: unknown) => e)
      expect(isInfraError(error) && error.code).toBe('E_INFRA_PORT_IN_USE')
      expect(isInfraError(error) && error.retryable).toBe(true)
      expect(String(error)).toMatch(/Address already in use/i)
    } finally {
      await node.kill()
      squatter.close()
    }
  })
})
