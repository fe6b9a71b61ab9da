/**
 * `npm run api:update`: rewrites `packages/<pkg>/api/<entry>.api.md` for every package from its
 * current sources, and removes reports of entry points that no longer exist.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { basename, join, relative } from 'node:path'
import { collectSurface, createApiProgram, renderReport, reportPath } from './api-report.js'
import { API_REPORT_PENDING, PACKAGES } from './packages.js'
import { entryPoints, packageDir, repoRoot } from './repo.js'

const program = createApiProgram(PACKAGES)
for (const pkg of PACKAGES) {
  const apiDir = join(packageDir(pkg), 'api')
  mkdirSync(apiDir, { recursive: true })
  const written = new Set<string>()
  for (const entry of entryPoints(pkg)) {
    const file = reportPath(pkg, entry)
    writeFileSync(file, renderReport(pkg, entry, collectSurface(program, pkg, entry)))
    written.add(basename(file))
  }
  for (const stale of readdirSync(apiDir).filter((file) => file.endsWith('.api.md'))) {
    if (!written.has(stale)) rmSync(join(apiDir, stale))
  }
  const pending = API_REPORT_PENDING.includes(pkg) ? ' (pending: not enforced by the test yet)' : ''
  console.log(`${relative(repoRoot, apiDir)}: ${[...written].join(', ')}${pending}`)
}
