import { defineScenario } from '../define.js'

/** Read-heavy catalog traffic through the LB while writes invalidate the cache (C1–C3). */
export const catalogReadStorm = defineScenario({
  name: 'catalog-read-storm',
  description:
    'A storm of product reads through the load balancer while admin writes invalidate the cache: reads stay fast and never older than an acknowledged write beyond the window.',
  guarantees: ['C1', 'C2', 'C3'],
  topology: { replicas: { 'catalog-query': 3 } },
  load: [
    {
      name: 'readers',
      model: 'open',
      startRate: 100,
      stages: [
        { target: 400, duration: '20s' },
        { target: 400, duration: '40s' },
      ],
      maxInFlight: 200,
      operations: [
        { op: 'read-product', weight: 8 },
        { op: 'read-products', weight: 1 },
        { op: 'list-category', weight: 1 },
      ],
    },
    {
      name: 'writers',
      model: 'open',
      startRate: 10,
      stages: [{ target: 10, duration: '60s' }],
      maxInFlight: 20,
      operations: [{ op: 'write-product' }],
    },
  ],
  checks: ['staleness', 'errorBudget'],
  thresholds: {
    'http_req_duration{op:read-product}': ['p(99)<50'],
    'http_req_failed{workload:readers}': ['rate<0.01'],
    stale_reads: ['count==0'],
  },
  smoke: {
    duration: '12s',
    rate: 120,
    thresholds: {
      'http_req_duration{op:read-product}': ['p(99)<1000'],
      'http_req_failed{workload:readers}': ['rate<0.01'],
      stale_reads: ['count==0'],
    },
  },
  quiesce: '10s',
})
