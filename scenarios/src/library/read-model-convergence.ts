import { defineScenario } from '../define.js'

/** The search projection is paused and killed while products change, then catches up (S3). */
export const readModelConvergence = defineScenario({
  name: 'read-model-convergence',
  description:
    'The search service is paused, then killed, while products keep changing: once the system is quiet its read model equals the catalog (checksums), each event applied once.',
  guarantees: ['S3', 'S2'],
  load: [
    {
      name: 'writers',
      model: 'open',
      startRate: 30,
      stages: [{ target: 30, duration: '40s' }],
      maxInFlight: 40,
      operations: [
        { op: 'write-product', weight: 4 },
        { op: 'delete-product', weight: 1 },
        { op: 'search', weight: 5 },
      ],
    },
  ],
  faults: [
    { kind: 'pause', target: 'search', at: '5s', duration: '8s' },
    { kind: 'kill', target: 'search', at: '20s', duration: '5s' },
  ],
  checks: ['convergence', 'delivery'],
  thresholds: { diverged_read_models: ['count==0'], duplicate_applications: ['count==0'] },
  smoke: { duration: '15s', rate: 20 },
  quiesce: '30s',
})
