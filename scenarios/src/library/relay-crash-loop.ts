import { defineScenario } from '../define.js'

/** The catalog's outbox relay is SIGKILLed again and again (S1, S2). */
export const relayCrashLoop = defineScenario({
  name: 'relay-crash-loop',
  description:
    'The catalog relay is killed every few seconds while writes pour in: no event is lost, none is applied twice, and per-product order holds for every consumer.',
  guarantees: ['S1', 'S2'],
  load: [
    {
      name: 'writers',
      model: 'open',
      startRate: 40,
      stages: [{ target: 40, duration: '40s' }],
      maxInFlight: 40,
      operations: [{ op: 'write-product' }],
    },
  ],
  faults: [
    {
      kind: 'kill',
      target: 'relay-catalog',
      at: '5s',
      duration: '2s',
      repeat: { every: '6s', times: 5 },
    },
  ],
  checks: ['delivery', 'convergence'],
  thresholds: {
    lost_events: ['count==0'],
    duplicate_applications: ['count==0'],
    out_of_order_applications: ['count==0'],
  },
  smoke: {
    duration: '15s',
    rate: 25,
    faults: [
      {
        kind: 'kill',
        target: 'relay-catalog',
        at: '3s',
        duration: '2s',
        repeat: { every: '5s', times: 2 },
      },
    ],
  },
  quiesce: '30s',
})
