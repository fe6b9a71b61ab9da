import { createHash } from 'node:crypto'
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest'
import { startPostgres, startPrometheus, startRedis, startZipkin } from '@faultline/infra'
import { trackedCounts } from '../src/local/cleanup.js'
import { ZIPKIN_JAR, ZIPKIN_VERSION, zipkinAssetsDir } from '../src/zipkin/zipkin-jar.js'

const ATTEMPTS = 4
const quiet = { log: () => undefined }

let work: string
let temp: string

/** Puts a `name` on PATH that prints a line and exits 1, as a server with a broken install does. */
function brokenBinary(name: string): void {
  const file = join(work, 'bin', name)
  writeFileSync(file, `#!/bin/sh\necho "${name}: refusing to start (test fake)"\nexit 1\n`)
  chmodSync(file, 0o755)
}

/** A jar cache that already holds the Zipkin jar, so no mvn runs (the jar is never executed). */
function fakeZipkinCache(): string {
  const cache = join(work, 'cache')
  const versionDir = join(cache, `zipkin-${ZIPKIN_VERSION}`)
  mkdirSync(join(versionDir, 'libs'), { recursive: true })
  writeFileSync(join(versionDir, 'libs', ZIPKIN_JAR), '')
  const pom = readFileSync(join(zipkinAssetsDir(), 'pom.xml'))
  writeFileSync(join(versionDir, 'libs.complete'), createHash('sha256').update(pom).digest('hex'))
  return cache
}

function serverDirsLeft(): string[] {
  return readdirSync(temp).filter((name) => name.startsWith('faultline-'))
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'faultline-failed-start-'))
  chmodSync(work, 0o755) // Postgres's tools run as the postgres user when we are root
  temp = join(work, 'tmp')
  mkdirSync(join(work, 'bin'))
  mkdirSync(temp, { mode: 0o777 })
  chmodSync(temp, 0o777)
  for (const name of ['redis-server', 'prometheus', 'java', 'initdb']) brokenBinary(name)
  vi.stubEnv('PATH', `${join(work, 'bin')}${delimiter}${process.env.PATH ?? ''}`)
  vi.stubEnv('TMPDIR', temp)
  vi.stubEnv('FAULTLINE_CACHE_DIR', fakeZipkinCache())
})
afterAll(() => {
  vi.unstubAllEnvs()
  rmSync(work, { recursive: true, force: true })
})

describe('a start that fails leaves nothing behind', () => {
  test.each([
    ['startRedis', 'E_INFRA_STARTUP_FAILED', () => startRedis({ provider: 'local', ...quiet })],
    ['startPrometheus', 'E_INFRA_STARTUP_FAILED', () => startPrometheus()],
    ['startZipkin', 'E_INFRA_STARTUP_FAILED', () => startZipkin(quiet)],
    [
      'startPostgres',
      'E_INFRA_COMMAND_FAILED',
      () => startPostgres({ provider: 'local', ...quiet }),
    ],
  ])(
    '%s, failing again and again, leaves no temp dir and no watchdog entry',
    async (_, code, start) => {
      const before = trackedCounts()
      for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
        await expect(start()).rejects.toMatchObject({ code })
      }
      expect(serverDirsLeft()).toEqual([])
      expect(trackedCounts()).toEqual(before)
    },
  )
})
