import { defineScenario } from '../define.js'

/** One charge in five is declined: the saga compensates in reverse, once (G1–G3). */
export const paymentFailures = defineScenario({
  name: 'payment-failures',
  description:
    'The payments service declines 20% of charges: each declined order is REJECTED, its stock released exactly once after the refund step, and no charge is left without an approved order.',
  guarantees: ['G1', 'G2', 'G3'],
  topology: { paymentFailureRate: 0.2 },
  load: [
    {
      name: 'shoppers',
      model: 'open',
      startRate: 30,
      stages: [{ target: 30, duration: '40s' }],
      maxInFlight: 80,
      operations: [{ op: 'place-order' }],
    },
  ],
  checks: ['sagas'],
  thresholds: { stuck_sagas: ['count==0'], double_charges: ['count==0'] },
  smoke: { duration: '12s', rate: 20 },
  quiesce: '30s',
})
