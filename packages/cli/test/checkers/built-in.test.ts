import { describe, expect, test } from 'vitest'
import { resolveScenario, scenarioLibrary } from '@faultline/scenarios'
import { builtInCheckers } from '../../src/core/checkers.js'
import { ENGINE_METRICS } from '../../src/core/metrics/catalog.js'
import { checkerNames } from '../../src/checkers/registry.js'
import { HistoryBuilder } from './support/history.js'

const MS = 1000

describe('the built-in checker registry a run uses by default', () => {
  test('holds every checker of packages/cli/src/checkers', () => {
    expect([...builtInCheckers.keys()].sort()).toEqual(checkerNames().sort())
    for (const entry of builtInCheckers.values()) {
      expect(entry.guarantees.length).toBeGreaterThan(0)
      expect(entry.metrics?.length).toBeGreaterThan(0)
    }
  })

  test('runs the real checker: a planted stale read is invalid and feeds stale_reads', async () => {
    const h = new HistoryBuilder()
    h.write('p1', 1, 0, 10 * MS)
    h.write('p1', 2, 20 * MS, 30 * MS)
    h.read('p1', 1, 300 * MS, 310 * MS)
    const staleness = builtInCheckers.get('staleness')!
    const result = await staleness.run(h.events(), {}, { windowMs: 100 })
    expect(result.verdict).toBe('invalid')
    const metric = staleness.metrics!.find((m) => m.name === 'stale_reads')!
    expect(result.stats[metric.stat]).toBe(1)
  })

  test('refuses a bad option before the run, naming it', () => {
    const staleness = builtInCheckers.get('staleness')!
    expect(() => staleness.validateOptions?.({ windowMs: 'soon' })).toThrow(/windowMs/)
    expect(() => staleness.validateOptions?.({ nosuch: 1 })).toThrow(/nosuch/)
  })
})

describe('the scenario library against the built-in checkers', () => {
  const engineMetrics = new Set(ENGINE_METRICS.map((m) => m.name))
  test.each(scenarioLibrary.map((s) => [s.name, s] as const))(
    '%s: its checks exist with valid options, and each threshold names a metric the run declares',
    (_name, scenario) => {
      for (const smoke of [false, true]) {
        const resolved = resolveScenario(scenario, { smoke })
        const declared = new Set(engineMetrics)
        for (const check of resolved.checks) {
          const entry = builtInCheckers.get(check.name)
          expect(entry, `checker ${check.name}`).toBeDefined()
          expect(() => entry!.validateOptions?.(check.options)).not.toThrow()
          for (const metric of entry!.metrics ?? []) declared.add(metric.name)
        }
        for (const key of Object.keys(resolved.thresholds))
          expect(declared, `threshold ${key}`).toContain(key.split('{')[0])
        const covered = resolved.checks.flatMap((c) => builtInCheckers.get(c.name)!.guarantees)
        expect(scenario.guarantees.some((g) => covered.includes(g))).toBe(true)
      }
    },
  )
})
