#!/usr/bin/env node
// The main job until the faultline CLI exists: runs every kit's side-by-side benchmark
// (bench/<area>/run.ts) in turn; each writes its results to docs/benchmarks/<area>.md.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const args = process.argv.slice(2)
const flags = args.filter((arg) => arg.startsWith('--'))
const only = args.filter((arg) => !arg.startsWith('--'))
const areas = readdirSync(join(root, 'bench'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(root, 'bench', entry.name, 'run.ts')))
  .map((entry) => entry.name)
  .filter((area) => only.length === 0 || only.includes(area))

if (areas.length === 0) {
  console.error(
    `No benchmark found${only.length > 0 ? ` for ${only.join(', ')}` : ''} under bench/*/run.ts.`,
  )
  process.exit(2)
}
let failed = 0
for (const area of areas) {
  console.log(`\n=== bench/${area} ===`)
  const result = spawnSync(
    process.execPath,
    ['--conditions=@faultline/source', '--import', 'tsx', join('bench', area, 'run.ts'), ...flags],
    { cwd: root, stdio: 'inherit' },
  )
  if (result.status !== 0) failed++
}
process.exit(failed === 0 ? 0 : 1)
