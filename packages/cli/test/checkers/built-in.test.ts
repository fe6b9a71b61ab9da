import { describe, expect, test } from 'vitest'
import { builtInCheckers } from '../../src/core/checkers.js'
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
