import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const script = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'scripts',
  'KafkaErrorTable.java',
)

/**
 * Runs `scripts/KafkaErrorTable.java` against the broker jars `@faultline/infra` resolved (its
 * cache dir, `FAULTLINE_CACHE_DIR` or `~/.cache/faultline`), newest Kafka first. Returns the
 * rows by code, or why it could not (no cached jars, e.g. with the docker provider).
 */
export function kafkaErrorTableFromJar():
  Map<number, { name: string; retriable: boolean }> | string {
  const cache = process.env.FAULTLINE_CACHE_DIR ?? join(homedir(), '.cache', 'faultline')
  const versions = existsSync(cache)
    ? readdirSync(cache).filter(
        (d) => /^kafka-\d/.test(d) && existsSync(join(cache, d, 'libs.complete')),
      )
    : []
  const newest = versions.sort().at(-1)
  if (newest === undefined) return `no Kafka jars under ${cache}`
  const out = execFileSync('java', ['-cp', `${join(cache, newest, 'libs')}/*`, script], {
    encoding: 'utf8',
    timeout: 120_000,
  })
  const rows = new Map<number, { name: string; retriable: boolean }>()
  for (const m of out.matchAll(/\[(-?\d+), '([A-Z_]+)', (true|false)\]/g)) {
    rows.set(Number(m[1]), { name: m[2]!, retriable: m[3] === 'true' })
  }
  return rows
}
