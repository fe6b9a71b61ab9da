import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { KafkaClassArchive } from '../src/local/kafka-cds.js'

let work: string
let libs: string

/** Plays the JVM's part in a dumping run: writes the file named by -XX:ArchiveClassesAtExit. */
function dump(flags: string[]): string {
  const flag = flags.find((f) => f.startsWith('-XX:ArchiveClassesAtExit='))
  if (flag === undefined) throw new Error(`no dump flag in ${flags.join(' ')}`)
  const path = flag.slice('-XX:ArchiveClassesAtExit='.length)
  writeFileSync(path, 'archive')
  return path
}

const sharedFile = (flags: string[]) => flags.find((f) => f.startsWith('-XX:SharedArchiveFile='))

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'faultline-kafka-cds-test-'))
  libs = join(work, 'libs')
  mkdirSync(libs)
})

afterEach(() => rmSync(work, { recursive: true, force: true }))

describe('KafkaClassArchive', () => {
  // Any real executable stands in for java: only its path and mtime go into the archive key.
  const java = process.execPath

  test('without an archive, a broker run dumps one and other JVMs run without', () => {
    const archive = new KafkaClassArchive(java, libs)
    expect(archive.useFlags()).toEqual([])
    expect(archive.brokerFlags()).toEqual(
      expect.arrayContaining([expect.stringMatching(/^-XX:ArchiveClassesAtExit=.*\.tmp$/)]),
    )
  })

  test('publishes a verified dump after a graceful exit; later JVMs map it', async () => {
    const archive = new KafkaClassArchive(java, libs)
    const pending = dump(archive.brokerFlags())
    let verifiedWith: string[] = []
    await archive.settle(true, (flags) => {
      verifiedWith = flags
      return Promise.resolve(true)
    })
    expect(verifiedWith).toEqual(['-Xshare:on', `-XX:SharedArchiveFile=${pending}`])
    expect(existsSync(pending)).toBe(false)
    const mapped = sharedFile(new KafkaClassArchive(java, libs).brokerFlags())
    expect(mapped).toBeDefined()
    expect(sharedFile(archive.useFlags())).toBe(mapped)
  })

  test('drops a dump that no JVM can map, since a truncated archive crashes every JVM', async () => {
    const archive = new KafkaClassArchive(java, libs)
    const pending = dump(archive.brokerFlags())
    await archive.settle(true, () => Promise.resolve(false))
    expect(existsSync(pending)).toBe(false)
    expect(archive.useFlags()).toEqual([])
  })

  test('drops the dump of a killed run without trying it', async () => {
    const archive = new KafkaClassArchive(java, libs)
    const pending = dump(archive.brokerFlags())
    let verified = false
    await archive.settle(false, () => {
      verified = true
      return Promise.resolve(true)
    })
    expect(verified).toBe(false)
    expect(existsSync(pending)).toBe(false)
    expect(archive.useFlags()).toEqual([])
  })

  test('uses another archive once the jars are resolved again', async () => {
    const archive = new KafkaClassArchive(java, libs)
    dump(archive.brokerFlags())
    await archive.settle(true, () => Promise.resolve(true))
    writeFileSync(join(work, 'libs.complete'), 'new resolution\n')
    expect(new KafkaClassArchive(java, libs).useFlags()).toEqual([])
  })
})
