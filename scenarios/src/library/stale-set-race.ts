import { defineScenario } from '../define.js'

/** The classic stale-set race: a slow loader read overtaken by a write and its invalidation (C1). */
export const staleSetRace = defineScenario({
  name: 'stale-set-race',
  description:
    'Loaders read the replica through a slow link while writes land and invalidate: a fill that read the old row must never be cached over the newer version.',
  guarantees: ['C1', 'C2'],
  topology: { replicas: { 'catalog-query': 2 }, products: 20 },
  load: [
    {
      name: 'mixed',
      model: 'open',
      startRate: 150,
      stages: [{ target: 150, duration: '40s' }],
      maxInFlight: 150,
      operations: [
        { op: 'read-product', weight: 6 },
        { op: 'write-product', weight: 1 },
      ],
    },
  ],
  faults: [
    {
      kind: 'latency',
      link: 'catalog-query->postgres-replica',
      at: '5s',
      duration: '30s',
      latency: '80ms',
      jitter: '60ms',
    },
  ],
  checks: ['staleness'],
  thresholds: { stale_reads: ['count==0'] },
  smoke: { duration: '12s', rate: 80 },
  quiesce: '10s',
})
