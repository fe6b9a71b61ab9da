import type { Scenario, ScenarioInput } from './types.js'
import { validateScenario } from './validate/scenario.js'

/**
 * Defines a scenario: load, a seeded fault schedule, checks and thresholds on one timeline.
 * Validates it at once and throws a `ScenarioError` listing every problem (field and fix), so a
 * broken file is refused before anything starts.
 *
 * @example
 * export default defineScenario({
 *   name: 'catalog-read-storm',
 *   description: 'Reads stay fresh and fast while writes invalidate the cache.',
 *   guarantees: ['C2'],
 *   load: [{ name: 'readers', model: 'open', maxInFlight: 200,
 *            stages: [{ target: 500, duration: '30s' }],
 *            operations: [{ op: 'read-product', weight: 9 }, { op: 'write-product', weight: 1 }] }],
 *   faults: [{ kind: 'pause', target: 'redis', within: ['5s', '20s'], duration: '3s' }],
 *   checks: ['staleness'],
 *   thresholds: { 'http_req_duration{op:read-product}': ['p(99)<50'], stale_reads: ['count==0'] },
 * })
 */
export function defineScenario(input: ScenarioInput): Scenario {
  return validateScenario(input)
}
