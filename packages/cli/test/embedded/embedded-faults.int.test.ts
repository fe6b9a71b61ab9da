import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { findScenario } from '@faultline/scenarios'
import { createEmbeddedTarget, runScenario, type RunSummary } from '../../src/index.js'

/**
 * Library scenarios whose faults the embedded target maps onto its in-memory parts (Kafka, Redis,
 * the relay, the orchestrator, the search service), shortened to a few seconds of load: each
 * passes with every checker valid and every fault applied and reverted.
 */
async function runLibrary(name: string): Promise<RunSummary> {
  const scenario = findScenario(name)
  if (scenario === undefined) throw new Error(`no library scenario ${name}`)
  const events = runScenario({
    scenario,
    target: createEmbeddedTarget(),
    outDir: join(mkdtempSync(join(tmpdir(), 'faultline-embedded-')), 'run'),
    seed: 11,
    resolve: { smoke: true, durationMs: 3000 },
    sampleIntervalMs: 250,
    quiescePollMs: 25,
  })
  let summary: RunSummary | undefined
  for await (const event of events) if (event.type === 'run:finished') summary = event.summary
  if (summary === undefined) throw new Error('the run ended without a summary')
  return summary
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

describe('library scenarios with faults on the embedded target', () => {
  test.each([
    'kafka-restart',
    'redis-outage',
    'relay-crash-loop',
    'orchestrator-crash-loop',
    'payment-failures',
    'read-model-convergence',
  ])('%s passes with every checker valid', async (name) => {
    const summary = await runLibrary(name)
    expect(summary.checks.filter((check) => !check.ok).map((check) => check.summary)).toEqual([])
    expect(correctnessFailures(summary)).toEqual([])
    expect(summary.exitCode === 0 || latencyOnly(summary)).toBe(true)
    expect(summary.checks.length).toBeGreaterThan(0)
    for (const fault of summary.faults) expect(fault.endedMs).toBeDefined()
  })

  test('a scenario using operations the embedded target lacks is refused before it starts', () => {
    const scenario = findScenario('auth-abuse')
    if (scenario === undefined) throw new Error('no auth-abuse')
    expect(() =>
      runScenario({
        scenario,
        target: createEmbeddedTarget(),
        outDir: join(mkdtempSync(join(tmpdir(), 'faultline-embedded-')), 'run'),
        resolve: { smoke: true },
      }),
    ).toThrow(/auth-probe/)
  })
})
