/**
 * Re-renders docs/benchmarks/cache.md from docs/benchmarks/cache.json (written by a full run), so
 * a change to the report's wording or analysis does not need a 6-minute rerun.
 *
 *   node --conditions=@faultline/source --import tsx bench/cache/render.ts <measured commit>
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { notes } from './harness.js'
import { costs } from './micro.js'
import { renderReport, type Results } from './report.js'

const dir = new URL('../../docs/benchmarks/', import.meta.url)
const saved = JSON.parse(readFileSync(new URL('cache.json', dir), 'utf8')) as Results & {
  costs: string[]
  notes: string[]
}
costs.push(...saved.costs)
notes.push(...saved.notes)
const commit = process.argv[2] ?? saved.commit
const out = fileURLToPath(new URL('cache.md', dir))
writeFileSync(out, renderReport({ ...saved, ...(commit !== undefined && { commit }) }))
console.log(`wrote ${out}`)
