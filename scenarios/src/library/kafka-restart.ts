import { defineScenario } from '../define.js'

/** The broker restarts while relays publish and consumers apply (S1, S2, S3). */
export const kafkaRestart = defineScenario({
  name: 'kafka-restart',
  description:
    'Kafka restarts under a steady stream of product writes and orders: after it settles every outbox event is on its topic, applied once per consumer in order, and the read models match their source.',
  guarantees: ['S1', 'S2', 'S3'],
  load: [
    {
      name: 'writers',
      model: 'open',
      startRate: 30,
      stages: [{ target: 30, duration: '45s' }],
      maxInFlight: 40,
      operations: [
        { op: 'write-product', weight: 3 },
        { op: 'place-order', weight: 1 },
      ],
    },
  ],
  faults: [{ kind: 'restart', target: 'kafka', at: '15s' }],
  checks: ['delivery', 'convergence'],
  thresholds: { lost_events: ['count==0'], duplicate_applications: ['count==0'] },
  smoke: { duration: '15s', rate: 20 },
  quiesce: '45s',
})
