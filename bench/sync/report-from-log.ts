/**
 * Rebuilds docs/benchmarks/sync.md from the JSON rows a run printed, for a run that stopped
 * before writing its report:
 *
 *   node --conditions=@faultline/source --import tsx bench/sync/report-from-log.ts <log> <seconds> <pg version> [note ...]
 */
import { readFileSync } from 'node:fs'
import type { StackCpu } from '../common/cpu-sampler.js'
import { writeReport, type DrainRow, type LatencyRow } from './report.js'

const [log, seconds, pgVersion, ...notes] = process.argv.slice(2)
if (!log || !seconds || !pgVersion)
  throw new Error('usage: report-from-log.ts <log> <seconds> <pg version> [note ...]')
const rows = readFileSync(log, 'utf8')
  .split('\n')
  .filter((l) => l.startsWith('{'))
  .map((l) => JSON.parse(l) as Record<string, unknown>)
const drains = (rows.filter((r) => 'eventsPerSecond' in r) as unknown as DrainRow[]).map(
  (d) => ({ ...d, runs: (d.runs as number[] | undefined) ?? [d.eventsPerSecond] }), // older logs: one run
)
const steps = rows.filter((r) => 'targetRate' in r && !('failed' in r))
// A step without a read model printed its read-model figures as NaN, which JSON writes as null.
const latencies = steps.filter((r) => r.readModelP99 === null) as unknown as LatencyRow[]
const readModelLatencies = steps.filter((r) => r.readModelP99 !== null) as unknown as LatencyRow[]
const rawLine = rows.find((r) => 'raw' in r) as
  { raw: number; rawRuns?: number[]; rawCpu: StackCpu } | undefined
await writeReport({
  quick: false,
  drains,
  raw: rawLine?.raw ?? NaN,
  rawRuns: rawLine?.rawRuns ?? [],
  rawCpu: rawLine?.rawCpu ?? { node: NaN, pg: NaN, kafka: NaN },
  latencies,
  readModelLatencies,
  seconds: Number(seconds),
  drainEvents: drains[0]?.events ?? 0,
  stepSeconds: 10,
  pgVersion,
  notes,
})
