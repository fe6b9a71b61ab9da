import { describe, expect, test } from 'vitest'
import { resolveScenario, scenarioLibrary, validateScenario } from '../src/index.js'

/** The scenarios issue 16 names, in `faultline list` order. */
const EXPECTED = [
  'catalog-read-storm',
  'hot-key-stampede',
  'stale-set-race',
  'replica-lag-ryw',
  'redis-outage',
  'kafka-restart',
  'relay-crash-loop',
  'order-saga-happy',
  'payment-failures',
  'orchestrator-crash-loop',
  'flash-sale-no-oversell',
  'read-model-convergence',
  'auth-abuse',
  'input-fuzz',
]

describe('the scenario library', () => {
  test('holds each named scenario once, in list order', () => {
    expect(scenarioLibrary.map((s) => s.name)).toEqual(EXPECTED)
  })

  test.each(scenarioLibrary.map((s) => [s.name, s] as const))(
    '%s validates, names its guarantees and checks, and its smoke variant loads for at most 60 s',
    (_name, scenario) => {
      expect(() => validateScenario({ ...scenario })).not.toThrow()
      expect(scenario.guarantees.length).toBeGreaterThan(0)
      expect(scenario.checks?.length ?? 0).toBeGreaterThan(0)
      expect(Object.keys(scenario.thresholds ?? {}).length).toBeGreaterThan(0)
      expect(scenario.smoke).toBeDefined()
      const full = resolveScenario(scenario)
      const smoke = resolveScenario(scenario, { smoke: true })
      expect(smoke.loadDurationMs).toBeGreaterThan(0)
      expect(smoke.loadDurationMs).toBeLessThanOrEqual(60_000)
      expect(smoke.loadDurationMs).toBeLessThanOrEqual(full.loadDurationMs)
      // A fault scheduled past the end of the smoke load would never run: the smoke proves less.
      for (const fault of smoke.faults)
        expect(fault.atMs ?? fault.withinMs?.[1] ?? 0).toBeLessThan(smoke.loadDurationMs)
      expect(smoke.checks.map((c) => c.name)).toEqual(full.checks.map((c) => c.name))
    },
  )
})
