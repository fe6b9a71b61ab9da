import { spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { isInfraError, type InfraError } from '../src/errors.js'
import { startLocalKafka } from '../src/local/kafka.js'
import { ensureKafkaJars, KAFKA_VERSION } from '../src/local/kafka-jars.js'
import { withDirLock } from '../src/local/kafka-lock.js'
import { HANG_MS } from './conditions.js'

const JAR = `kafka_2.13-${KAFKA_VERSION}.jar`
let work: string
let savedPath: string | undefined

/** A stand-in mvn on PATH: records its arguments, then runs `body` (sh). */
function fakeMvn(body: string): { bin: string; calls: string } {
  const bin = join(work, 'bin')
  const calls = join(work, 'mvn-calls')
  mkdirSync(bin, { recursive: true })
  const script = `#!/bin/sh\necho "$@" >> '${calls}'\n${body}\n`
  writeFileSync(join(bin, 'mvn'), script)
  chmodSync(join(bin, 'mvn'), 0o755)
  process.env.PATH = `${bin}:/usr/bin:/bin`
  return { bin, calls }
}

/** The body of a fake mvn that "resolves" by creating the broker jar in -DoutputDirectory. */
const CREATES_JAR = `for a in "$@"; do case "$a" in -DoutputDirectory=*) out="\${a#-DoutputDirectory=}";; esac; done
sleep 0.3; mkdir -p "$out"; touch "$out/${JAR}"`

function callCount(calls: string): number {
  return existsSync(calls) ? readFileSync(calls, 'utf8').trimEnd().split('\n').length : 0
}

async function rejection(promise: Promise<unknown>): Promise<InfraError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  if (!isInfraError(error)) throw new Error(`expected an InfraError, got ${String(error)}`)
  return error
}

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'faultline-kafka-jars-test-'))
  savedPath = process.env.PATH
})

afterEach(() => {
  process.env.PATH = savedPath
  rmSync(work, { recursive: true, force: true })
})

describe('ensureKafkaJars()', () => {
  test('runs mvn copy-dependencies once, then reuses the cache through its marker', async () => {
    const { calls } = fakeMvn(CREATES_JAR)
    const libs = await ensureKafkaJars({ cacheDir: work })
    expect(libs).toBe(join(work, `kafka-${KAFKA_VERSION}`, 'libs'))
    expect(existsSync(join(libs, JAR))).toBe(true)
    await ensureKafkaJars({ cacheDir: work })
    expect(callCount(calls)).toBe(1)
    const args = readFileSync(calls, 'utf8')
    expect(args).toContain('maven-dependency-plugin:3.8.1:copy-dependencies')
    expect(args).toContain('-DincludeScope=runtime')
    expect(args).toMatch(/-f \S+\/kafka\/pom\.xml/)
  })

  test('lets concurrent callers share one resolution', async () => {
    const { calls } = fakeMvn(CREATES_JAR)
    await Promise.all([1, 2, 3].map(() => ensureKafkaJars({ cacheDir: work })))
    expect(callCount(calls)).toBe(1)
  })

  test('resolves again when the marker is missing (cut short) or names another pom', async () => {
    const { calls } = fakeMvn(CREATES_JAR)
    const versionDir = join(work, `kafka-${KAFKA_VERSION}`)
    mkdirSync(join(versionDir, 'libs'), { recursive: true })
    writeFileSync(join(versionDir, 'libs', JAR), '')
    await ensureKafkaJars({ cacheDir: work })
    expect(callCount(calls)).toBe(1)
    writeFileSync(join(versionDir, 'libs.complete'), 'hash-of-an-older-pom\n')
    await ensureKafkaJars({ cacheDir: work })
    expect(callCount(calls)).toBe(2)
  })

  test('fails with the tail of the mvn output when mvn fails', async () => {
    fakeMvn('echo "[ERROR] Could not resolve org.apache.kafka:kafka_2.13"; exit 1')
    const error = await rejection(ensureKafkaJars({ cacheDir: work }))
    expect(error.code).toBe('E_INFRA_COMMAND_FAILED')
    expect(error.message).toContain('Could not resolve org.apache.kafka:kafka_2.13')
    expect(existsSync(join(work, `kafka-${KAFKA_VERSION}`, 'libs.complete'))).toBe(false)
  })

  test('names the maven package and FAULTLINE_KAFKA_BROKERS when mvn is missing', async () => {
    process.env.PATH = join(work, 'empty')
    const error = await rejection(ensureKafkaJars({ cacheDir: work }))
    expect(error.code).toBe('E_INFRA_MISSING_BINARY')
    expect(error.message).toContain("apt-get install maven'")
    expect(error.message).toContain('FAULTLINE_KAFKA_BROKERS')
  })
})

describe('startLocalKafka()', () => {
  test('names default-jre-headless and FAULTLINE_KAFKA_BROKERS when java is missing', async () => {
    process.env.PATH = join(work, 'empty')
    const error = await rejection(startLocalKafka({}))
    expect(error.code).toBe('E_INFRA_MISSING_BINARY')
    expect(error.message).toContain('apt-get install default-jre-headless')
    expect(error.message).toContain('FAULTLINE_KAFKA_BROKERS')
  })

  test('rejects a heap too small to run a broker', async () => {
    const error = await rejection(startLocalKafka({ heapMb: 16 }))
    expect(error.code).toBe('E_INFRA_INVALID_OPTION')
  })
})

describe('withDirLock()', () => {
  test('never lets two holders in at once', async () => {
    let inside = 0
    let most = 0
    const enter = () =>
      withDirLock(
        join(work, 'lock'),
        async () => {
          most = Math.max(most, ++inside)
          await sleep(20)
          inside--
        },
        { timeoutMs: HANG_MS, pollMs: 5 },
      )
    await Promise.all(Array.from({ length: 5 }, enter))
    expect(most).toBe(1)
  })

  test('times out while a live process holds the lock', async () => {
    mkdirSync(join(work, 'lock'))
    writeFileSync(join(work, 'lock', 'owner'), String(process.pid))
    const error = await rejection(
      withDirLock(join(work, 'lock'), () => Promise.resolve(), { timeoutMs: 200, pollMs: 20 }),
    )
    expect(error.code).toBe('E_INFRA_STARTUP_TIMEOUT')
  })

  test('breaks a lock whose owner died', async () => {
    const dead = spawnSync('true').pid
    mkdirSync(join(work, 'lock'))
    writeFileSync(join(work, 'lock', 'owner'), String(dead))
    const result = await withDirLock(join(work, 'lock'), () => Promise.resolve('ran'), {
      timeoutMs: 200,
      pollMs: 20,
    })
    expect(result).toBe('ran')
    expect(existsSync(join(work, 'lock'))).toBe(false)
  })
})
