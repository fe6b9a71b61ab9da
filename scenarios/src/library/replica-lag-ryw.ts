import { defineScenario } from '../define.js'

/** Read-your-writes through a lagging replica with the consistency token (C3). */
export const replicaLagRyw = defineScenario({
  name: 'replica-lag-ryw',
  description:
    'The replica applies WAL 500 ms late; a client that wrote and sends its X-Consistency-Token still reads its own write at once, and no client reads older than the window.',
  guarantees: ['C3', 'C2'],
  topology: { replicas: { 'catalog-query': 2 }, replicaDelay: '500ms', products: 50 },
  load: [
    {
      name: 'writers-then-readers',
      model: 'open',
      startRate: 40,
      stages: [{ target: 40, duration: '40s' }],
      maxInFlight: 60,
      operations: [
        { op: 'write-product', weight: 1 },
        { op: 'read-product', weight: 3 },
      ],
    },
  ],
  checks: [{ name: 'staleness', options: { windowMs: 2000 } }],
  thresholds: { stale_reads: ['count==0'], stale_token_reads: ['count==0'] },
  smoke: { duration: '12s', rate: 30 },
  quiesce: '10s',
})
