/**
 * Re-renders docs/benchmarks/cache.md from bench/cache/last-results.json (written by a full run), so
 * a change to the report's wording or analysis does not need a 6-minute rerun.
 *
 *   node --conditions=@faultline/source --import tsx bench/cache/render.ts <measured commit>
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { notes } from './harness.js'
import { costs } from './micro.js'
import { renderReport, type Results } from './report.js'

const saved = JSON.parse(
  readFileSync(new URL('./last-results.json', import.meta.url), 'utf8'),
) as Results & {
  costs: string[]
  notes: string[]
}
costs.push(...saved.costs)
notes.push(...saved.notes)
const commit = process.argv[2] ?? saved.commit
const out = fileURLToPath(new URL('../../docs/benchmarks/cache.md', import.meta.url))
writeFileSync(out, renderReport({ ...saved, ...(commit !== undefined && { commit }) }))
console.log(`wrote ${out}`)
