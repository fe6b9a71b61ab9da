import { defineScenario } from '../define.js'

/** Redis dies mid-load: reads fall back to the database and stay correct after it returns (C1, R1). */
export const redisOutage = defineScenario({
  name: 'redis-outage',
  description:
    'Redis is killed for a while under read and write load: reads keep answering from the database within the error budget, and after Redis returns (empty) no read is stale.',
  guarantees: ['C1', 'C2', 'R1'],
  topology: { replicas: { 'catalog-query': 2 } },
  load: [
    {
      name: 'traffic',
      model: 'open',
      startRate: 100,
      stages: [{ target: 100, duration: '45s' }],
      maxInFlight: 150,
      operations: [
        { op: 'read-product', weight: 9 },
        { op: 'write-product', weight: 1 },
      ],
    },
  ],
  faults: [{ kind: 'kill', target: 'redis', at: '10s', duration: '10s' }],
  checks: ['staleness', { name: 'errorBudget', options: { maxErrorRate: 0.05 } }],
  thresholds: { stale_reads: ['count==0'] },
  smoke: { duration: '15s', rate: 60 },
  quiesce: '15s',
})
