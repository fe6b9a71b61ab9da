import { defineScenario } from '../define.js'

/**
 * Many readers on a few keys whose entries writes keep invalidating, and herds: the most read key
 * made cold, then hundreds of concurrent reads of it (C4).
 */
export const hotKeyStampede = defineScenario({
  name: 'hot-key-stampede',
  description:
    'Hundreds of concurrent reads of a few hot products, each invalidated by writes again and again: every cold key costs one loader call per herd, not one per reader.',
  guarantees: ['C4', 'C2'],
  topology: { replicas: { 'catalog-query': 3 }, products: 5 },
  load: [
    {
      name: 'herd',
      model: 'open',
      startRate: 300,
      stages: [{ target: 300, duration: '45s' }],
      maxInFlight: 300,
      operations: [{ op: 'read-product' }],
    },
    {
      name: 'invalidators',
      model: 'open',
      startRate: 4,
      stages: [{ target: 4, duration: '45s' }],
      maxInFlight: 10,
      operations: [{ op: 'write-product' }],
    },
  ],
  faults: [
    {
      kind: 'herd',
      at: '10s',
      duration: '5s',
      readers: 200,
      repeat: { every: '10s', times: 3 },
    },
  ],
  checks: ['herd', 'staleness'],
  thresholds: { herd_over_bound: ['count==0'], stale_reads: ['count==0'] },
  smoke: { duration: '12s', rate: 150 },
  quiesce: '10s',
})
