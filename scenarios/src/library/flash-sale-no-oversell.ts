import { defineScenario } from '../define.js'

/** A burst of orders on a few products with little stock (G2, G3). */
export const flashSaleNoOversell = defineScenario({
  name: 'flash-sale-no-oversell',
  description:
    'A burst of orders on 5 products holding 10 units each: exactly as many orders are approved as there are units, stock ends at 0 and never goes below.',
  guarantees: ['G2', 'G3', 'G1'],
  topology: { products: 5, stock: 10 },
  load: [
    {
      name: 'buyers',
      model: 'open',
      startRate: 100,
      stages: [{ target: 100, duration: '20s' }],
      maxInFlight: 300,
      operations: [{ op: 'place-order' }],
    },
  ],
  checks: ['sagas'],
  thresholds: { oversold_products: ['count==0'], stuck_sagas: ['count==0'] },
  smoke: { duration: '10s', rate: 60 },
  quiesce: '45s',
})
