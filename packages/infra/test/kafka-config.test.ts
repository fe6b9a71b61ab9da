import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import {
  KAFKA_FAST_START_FLAGS,
  kafkaJavaArgs,
  kafkaServerProperties,
  newClusterId,
  parseJvmOpts,
} from '../src/local/kafka-config.js'
import { KAFKA_VERSION, kafkaAssetsDir, kafkaCacheDir } from '../src/local/kafka-jars.js'

const layout = { port: 39092, controllerPort: 39093, logDir: '/tmp/k/data' }

function parse(text: string): Map<string, string> {
  const entries = text
    .trimEnd()
    .split('\n')
    .map((line) => line.split('=', 2) as [string, string])
  return new Map(entries)
}

describe('kafkaServerProperties()', () => {
  const text = kafkaServerProperties(layout)
  const props = parse(text)

  test('declares every key once', () => {
    const keys = text
      .trimEnd()
      .split('\n')
      .map((line) => line.split('=')[0])
    expect(new Set(keys).size).toBe(keys.length)
  })

  test('is one combined KRaft node on loopback, broker and controller on their own ports', () => {
    expect(props.get('process.roles')).toBe('broker,controller')
    expect(props.get('controller.quorum.voters')).toBe('1@127.0.0.1:39093')
    expect(props.get('listeners')).toBe('PLAINTEXT://127.0.0.1:39092,CONTROLLER://127.0.0.1:39093')
    expect(props.get('advertised.listeners')).toBe(props.get('listeners'))
    expect(props.get('controller.listener.names')).toBe('CONTROLLER')
    expect(props.get('inter.broker.listener.name')).toBe('PLAINTEXT')
    expect(props.get('listener.security.protocol.map')).toBe(
      'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    )
    expect(props.get('log.dirs')).toBe('/tmp/k/data')
  })

  test('sizes internal topics for one node, or groups and transactions never get a coordinator', () => {
    for (const key of [
      'offsets.topic.replication.factor',
      'transaction.state.log.replication.factor',
      'transaction.state.log.min.isr',
      'share.coordinator.state.topic.replication.factor',
      'share.coordinator.state.topic.min.isr',
    ]) {
      expect(props.get(key), key).toBe('1')
    }
    expect(props.get('group.initial.rebalance.delay.ms')).toBe('0')
    expect(props.get('group.min.session.timeout.ms')).toBe('1000')
  })
})

describe('kafkaJavaArgs()', () => {
  const spec = { heapMb: 384, libsDir: '/c/libs', log4jConfig: '/k/log4j2.properties' }

  test('gives a fixed heap, the fast-start flags, logging, the classpath, then the main class', () => {
    const args = kafkaJavaArgs(spec, 'kafka.Kafka', ['/d/server.properties'])
    expect(args.slice(0, 2)).toEqual(['-Xms384m', '-Xmx384m'])
    expect(args).toEqual(expect.arrayContaining([...KAFKA_FAST_START_FLAGS]))
    expect(args).toContain('-Dlog4j2.configurationFile=/k/log4j2.properties')
    expect(args.slice(-4)).toEqual(['-cp', '/c/libs/*', 'kafka.Kafka', '/d/server.properties'])
  })

  test('puts extra flags after the defaults, so that they win', () => {
    const args = kafkaJavaArgs({ ...spec, extraFlags: ['-XX:+UseG1GC'] }, 'kafka.Kafka', [])
    expect(args.indexOf('-XX:+UseG1GC')).toBeGreaterThan(args.indexOf('-XX:+UseSerialGC'))
  })
})

describe('parseJvmOpts()', () => {
  test('splits on whitespace and ignores empty input', () => {
    expect(parseJvmOpts(' -XX:+UseG1GC   -Xss1m\n')).toEqual(['-XX:+UseG1GC', '-Xss1m'])
    expect(parseJvmOpts(undefined)).toEqual([])
    expect(parseJvmOpts('  ')).toEqual([])
  })
})

describe('newClusterId()', () => {
  test('is 16 random bytes in URL-safe base64 that never starts with a dash', () => {
    // 1 in 64 raw ids starts with '-', so 3000 draws hit that case with near certainty.
    const ids = Array.from({ length: 3000 }, () => newClusterId())
    for (const id of ids) {
      expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/)
      expect(Buffer.from(id, 'base64url')).toHaveLength(16)
    }
    expect(new Set(ids).size).toBe(ids.length)
  })
})

describe('KAFKA_VERSION', () => {
  test('is the kafka.version that kafka/pom.xml resolves', () => {
    const pom = readFileSync(join(kafkaAssetsDir(), 'pom.xml'), 'utf8')
    expect(pom).toContain(`<kafka.version>${KAFKA_VERSION}</kafka.version>`)
  })

  test('names the cache dir, which FAULTLINE_CACHE_DIR moves', () => {
    expect(kafkaCacheDir('/c')).toBe(`/c/kafka-${KAFKA_VERSION}`)
  })
})
