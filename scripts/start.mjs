#!/usr/bin/env node
// `npm start`: the main job from a fresh clone. Sets up what the machine lacks (scripts/setup.sh,
// once), then runs the catalog-read-storm scenario's smoke variant against the real topology. Where
// the servers cannot be installed (no apt, no Java), it falls back to the embedded target and says
// that nothing real is measured. Extra arguments go to `faultline run`.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import process from 'node:process'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const bin = join(root, 'packages', 'cli', 'dist', 'src', 'bin.js')

function has(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0
}

function postgresInstalled() {
  const base = '/usr/lib/postgresql'
  return (
    existsSync(base) && readdirSync(base).some((v) => existsSync(join(base, v, 'bin', 'postgres')))
  )
}

/** What the real topology needs on this machine, by name, when it is missing. */
function missingServers() {
  const missing = []
  if (!postgresInstalled()) missing.push('postgres')
  if (!has('redis-server')) missing.push('redis-server')
  if (!has('java')) missing.push('java (for Kafka)')
  return missing
}

const ready =
  existsSync(bin) && existsSync(join(root, 'node_modules')) && missingServers().length === 0
if (!ready) {
  console.log('[start] setting up this machine first: bash scripts/setup.sh')
  const setup = spawnSync('bash', [join(root, 'scripts', 'setup.sh')], {
    cwd: root,
    stdio: 'inherit',
  })
  if (setup.status !== 0 && !existsSync(bin)) {
    console.error(
      '[start] setup failed before the CLI was built; fix what it printed and rerun npm start',
    )
    process.exit(1)
  }
}

const missing = missingServers()
const args = ['run', 'catalog-read-storm', '--smoke', ...process.argv.slice(2)]
if (missing.length > 0) {
  console.log(
    `[start] ${missing.join(', ')} could not be installed here: running on the embedded target (the kits in memory, one process); nothing real is measured`,
  )
  args.push('--infra', 'embedded')
}
console.log(`[start] faultline ${args.join(' ')}`)
try {
  execFileSync(process.execPath, [bin, ...args], { cwd: root, stdio: 'inherit' })
} catch (error) {
  process.exit(typeof error.status === 'number' ? error.status : 1)
}
