import { defineScenario } from '../define.js'

/** The orders service, which hosts the saga orchestrator, is SIGKILLed repeatedly (G1, G4). */
export const orchestratorCrashLoop = defineScenario({
  name: 'orchestrator-crash-loop',
  description:
    'The orders service (and the OrderSaga orchestrator in it) is killed again and again mid-saga: after it settles every saga is terminal, no step ran its effect twice, and stock is conserved.',
  guarantees: ['G1', 'G2', 'G3', 'G4'],
  load: [
    {
      name: 'shoppers',
      model: 'open',
      startRate: 25,
      stages: [{ target: 25, duration: '45s' }],
      maxInFlight: 80,
      operations: [{ op: 'place-order' }],
    },
  ],
  faults: [
    {
      kind: 'kill',
      target: 'orders',
      at: '8s',
      duration: '3s',
      repeat: { every: '10s', times: 3 },
    },
  ],
  checks: ['sagas'],
  thresholds: { stuck_sagas: ['count==0'], double_charges: ['count==0'] },
  smoke: {
    duration: '15s',
    rate: 15,
    faults: [{ kind: 'kill', target: 'orders', at: '5s', duration: '3s' }],
  },
  quiesce: '45s',
})
