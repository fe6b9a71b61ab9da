import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { findScenario, type Scenario } from '@faultline/scenarios'
import {
  createEmbeddedTarget,
  defineScenario,
  runScenario,
  type EmbeddedTargetOptions,
  type RunSummary,
} from '../../src/index.js'
import { renderSummary } from '../../src/ui/summary-text.js'

/** Library scenarios run on the embedded target through the engine, shortened to stay fast. */
const LOAD_MS = 2500

function library(name: string): Scenario {
  const scenario = findScenario(name)
  if (scenario === undefined) throw new Error(`no library scenario ${name}`)
  return scenario
}

async function run(
  scenario: Scenario,
  options: EmbeddedTargetOptions = {},
  durationMs = LOAD_MS,
): Promise<RunSummary> {
  const events = runScenario({
    scenario,
    target: createEmbeddedTarget(options),
    outDir: join(mkdtempSync(join(tmpdir(), 'faultline-embedded-')), 'run'),
    seed: 7,
    resolve: { smoke: true, durationMs },
    sampleIntervalMs: 250,
    quiescePollMs: 25,
  })
  let summary: RunSummary | undefined
  for await (const event of events) if (event.type === 'run:finished') summary = event.summary
  if (summary === undefined) throw new Error('the run ended without a summary')
  return summary
}

function verdicts(summary: RunSummary): Record<string, string> {
  return Object.fromEntries(summary.checks.map((check) => [check.name, check.verdict]))
}

/**
 * Thresholds that failed, other than latency bounds. The embedded target's latencies measure only
 * this process's share of the CPU (nothing real), so on a loaded 2-core machine a smoke p99 bound
 * can fail without anything being wrong; every other threshold and every check must pass.
 */
function correctnessFailures(summary: RunSummary): string[] {
  return summary.thresholds
    .filter((threshold) => !threshold.ok && !threshold.metric.startsWith('http_req_duration'))
    .map((threshold) => `${threshold.metric} ${threshold.condition}`)
}

/** True when the run failed only on latency bounds. */
function latencyOnly(summary: RunSummary): boolean {
  return summary.exitCode === 99 && correctnessFailures(summary).length === 0
}

describe('library smoke scenarios on the embedded target', () => {
  test.each(['catalog-read-storm', 'order-saga-happy', 'flash-sale-no-oversell'])(
    '%s passes with every checker valid',
    async (name) => {
      const summary = await run(library(name))
      expect(summary.checks.filter((check) => !check.ok).map((check) => check.summary)).toEqual([])
      expect(correctnessFailures(summary)).toEqual([])
      expect(summary.exitCode === 0 || latencyOnly(summary)).toBe(true)
      expect(Object.values(verdicts(summary)).every((verdict) => verdict === 'valid')).toBe(true)
      expect(summary.quiesced).toBe(true)
    },
  )

  test('the summary says nothing real was measured, in JSON and in text', async () => {
    const summary = await run(library('order-saga-happy'), {}, 1000)
    expect(summary.target).toEqual({ name: 'embedded', measuresReality: false })
    expect(summary.notes.join('\n')).toMatch(/nothing real was measured/)
    expect(renderSummary(summary).split('\n')[0]).toMatch(
      /target: embedded \(in memory: nothing real was measured\)/,
    )
  })

  test('hot-key-stampede: each herd on a cold key costs one loader call across the instances', async () => {
    const summary = await run(library('hot-key-stampede'))
    const herd = summary.checks.find((check) => check.name === 'herd')
    expect(herd?.verdict, herd?.summary).toBe('valid')
    expect(herd?.stats).toMatchObject({ herds: 3, herdsExercised: 3 })
    expect(herd?.stats.loaderCalls).toBeGreaterThanOrEqual(3)
    expect(verdicts(summary)).toEqual({ herd: 'valid', staleness: 'valid' })
    expect(summary.faults.map((fault) => fault.kind)).toEqual(['herd', 'herd', 'herd'])
  })

  test('flash sale: exactly the stock is sold, never more', async () => {
    const summary = await run(library('flash-sale-no-oversell'))
    const sagas = summary.checks.find((check) => check.name === 'sagas')
    expect(sagas?.verdict).toBe('valid')
    // 5 products × 10 units: the burst asks for more than that, and only the stock is approved.
    expect(sagas?.stats.approvedOrders).toBe(50)
  })
})

/** Few products read often, so every written key is cached before its write and read after it. */
const hotCatalog = defineScenario({
  name: 'embedded-hot-catalog',
  description: 'Reads and writes on 10 products, to show a skipped invalidation as stale reads.',
  guarantees: ['C1', 'C2'],
  topology: { replicas: { 'catalog-query': 2 }, products: 10 },
  load: [
    {
      name: 'readers',
      model: 'open',
      startRate: 200,
      stages: [{ target: 200, duration: '3s' }],
      maxInFlight: 50,
      operations: [{ op: 'read-product' }],
    },
    {
      name: 'writers',
      model: 'open',
      startRate: 5,
      stages: [{ target: 5, duration: '3s' }],
      maxInFlight: 5,
      operations: [{ op: 'write-product' }],
    },
  ],
  checks: ['staleness'],
  thresholds: { stale_reads: ['count==0'] },
})

describe('a planted defect', () => {
  test('the hot catalog passes with invalidation on', async () => {
    const summary = await run(hotCatalog, {}, 3000)
    expect(verdicts(summary)).toEqual({ staleness: 'valid' })
  })

  test('invalidation skipped: the staleness checker says invalid', async () => {
    const summary = await run(hotCatalog, { skipInvalidation: true }, 3000)
    const staleness = summary.checks.find((check) => check.name === 'staleness')
    expect(staleness?.verdict).toBe('invalid')
    expect(staleness?.stats.stale ?? 0).toBeGreaterThan(0)
    expect(summary.exitCode).toBe(99)
  })
})
