import { defineScenario } from '../define.js'

/** Orders flow through the saga with nothing broken (G1–G3). */
export const orderSagaHappy = defineScenario({
  name: 'order-saga-happy',
  description:
    'Orders at a steady rate with every service healthy: every saga ends, stock is conserved, and every charge belongs to an approved order.',
  guarantees: ['G1', 'G2', 'G3'],
  load: [
    {
      name: 'shoppers',
      model: 'open',
      startRate: 20,
      stages: [{ target: 50, duration: '40s' }],
      maxInFlight: 100,
      operations: [
        { op: 'place-order', weight: 3 },
        { op: 'get-order', weight: 1 },
      ],
    },
  ],
  checks: ['sagas'],
  thresholds: {
    'http_req_duration{op:place-order}': ['p(99)<300'],
    'http_req_failed{op:place-order}': ['rate<0.01'],
    stuck_sagas: ['count==0'],
  },
  smoke: {
    duration: '12s',
    rate: 20,
    thresholds: { 'http_req_failed{op:place-order}': ['rate<0.01'], stuck_sagas: ['count==0'] },
  },
  quiesce: '30s',
})
