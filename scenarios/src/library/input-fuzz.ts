import { defineScenario } from '../define.js'

/** Generated hostile requests on every route (R1). */
export const inputFuzz = defineScenario({
  name: 'input-fuzz',
  description:
    'Seeded hostile requests on every route (malformed JSON, wrong types, huge numbers, deep nesting, __proto__ keys, injection strings, oversized bodies): every one gets a 4xx naming the problem, never a 5xx, and every service stays up.',
  guarantees: ['R1'],
  load: [
    {
      name: 'fuzzers',
      model: 'open',
      startRate: 80,
      stages: [{ target: 80, duration: '30s' }],
      maxInFlight: 80,
      operations: [{ op: 'fuzz' }],
    },
  ],
  checks: ['errorBudget'],
  thresholds: { fuzz_5xx: ['count==0'] },
  smoke: { duration: '10s', rate: 60 },
  quiesce: '5s',
})
