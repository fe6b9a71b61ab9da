import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  checkStaleness,
  createCheckerRegistry,
  defineScenario,
  runScenario,
  type HistoryEvent,
  type RunSummary,
} from '../../src/index.js'
import { createLiveTarget } from '../fixtures/live-target.js'

/** The staleness checker as the engine's registry takes it (the CLI wires the built-ins later). */
export const STALENESS_ONLY = createCheckerRegistry([
  {
    name: 'staleness',
    guarantees: ['C1', 'C2', 'C3'],
    description: 'no read older than an acknowledged write, beyond a window',
    run: (history: readonly HistoryEvent[], _snapshot, options) =>
      checkStaleness(history, {}, options),
    metrics: [{ name: 'stale_reads', stat: 'stale', description: 'stale reads' }],
  },
])

/**
 * A real run against the live test target: readers, writers and orders over HTTP for `seconds`,
 * a link latency, then a bus pause that leaves the cache stale (the staleness checker, with a
 * 200 ms window, finds violations). `description` lets a test put hostile text in the report.
 */
export async function liveRun(
  options: { seconds?: number; description?: string; seed?: number } = {},
): Promise<RunSummary> {
  const seconds = options.seconds ?? 6
  const scenario = defineScenario({
    name: 'live-report',
    description:
      options.description ?? 'Reads, writes and orders with a link latency and a bus pause.',
    guarantees: ['C2', 'G1'],
    load: [
      {
        name: 'readers',
        model: 'open',
        startRate: 50,
        stages: [{ target: 50, duration: `${seconds}s` }],
        maxInFlight: 50,
        preAllocated: 50,
        operations: [{ op: 'read-product' }],
      },
      {
        name: 'writers',
        model: 'open',
        startRate: 10,
        stages: [{ target: 10, duration: `${seconds}s` }],
        maxInFlight: 20,
        preAllocated: 20,
        operations: [
          { op: 'write-product', weight: 2 },
          { op: 'place-order', weight: 3 },
        ],
      },
    ],
    faults: [
      { kind: 'latency', link: 'catalog-query->redis', at: '1s', duration: '1s', latency: '40ms' },
      { kind: 'pause', target: 'kafka', at: `${Math.floor(seconds / 2)}s`, duration: '2s' },
    ],
    checks: [{ name: 'staleness', options: { windowMs: 200 } }],
    thresholds: { 'http_req_duration{workload:readers}': ['p(99)<5000'] },
    quiesce: '3s',
  })
  const outDir = join(mkdtempSync(join(tmpdir(), 'faultline-live-')), 'run')
  let summary: RunSummary | undefined
  for await (const event of runScenario({
    scenario,
    target: createLiveTarget(),
    outDir,
    seed: options.seed ?? 17,
    checkers: STALENESS_ONLY,
  })) {
    if (event.type === 'run:finished') summary = event.summary
  }
  if (summary === undefined) throw new Error('the run ended without a summary')
  return summary
}
