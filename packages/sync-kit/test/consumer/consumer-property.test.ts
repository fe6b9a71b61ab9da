import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import {
  createMemoryConsumerStore,
  type MemoryTx,
} from '../../src/adapters/memory-consumer-store.js'
import { isMangled, runScenario, scenarioArb } from './scenario.js'
import { appendToHistory } from './support.js'

const RUNS = 300

function memoryTarget(naive = false) {
  const db = createMemoryConsumerStore()
  if (naive) db.claim = () => Promise.resolve(true)
  return {
    db,
    handler: appendToHistory,
    groupId: 'prop',
    readModel: () => Promise.resolve(db.read((tx) => Object.fromEntries(tx.table('items')))),
    options: naive ? { gapPolicy: 'report' as const } : {},
  }
}

describe('Consumer property (memory adapters)', () => {
  test(`read model equals applying each event once, in sequence (${RUNS} runs)`, async () => {
    let mangled = 0
    let crashed = 0
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (s) => {
        if (isMangled(s)) mangled++
        const { actual, expected, dead, ...run } = await runScenario<MemoryTx>(s, memoryTarget())
        if (run.crashed) crashed++
        expect(dead).toBe(0)
        expect(actual).toEqual(expected)
      }),
      { numRuns: RUNS, endOnFailure: true },
    )
    // The generator really duplicates, reorders and crashes (the property is not vacuous).
    expect(mangled).toBeGreaterThan(RUNS / 2)
    expect(crashed).toBeGreaterThan(RUNS / 4)
  })

  test('without the inbox and hold-back the same property fails', async () => {
    const result = await fc.check(
      fc.asyncProperty(scenarioArb, async (s) => {
        const { actual, expected } = await runScenario<MemoryTx>(s, memoryTarget(true))
        expect(actual).toEqual(expected)
      }),
      { numRuns: 100 },
    )
    expect(result.failed).toBe(true)
  })
})
