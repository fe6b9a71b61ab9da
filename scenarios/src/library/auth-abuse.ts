import { defineScenario } from '../define.js'

/** Forged, expired and wrong-role tokens against every protected route (R2). */
export const authAbuse = defineScenario({
  name: 'auth-abuse',
  description:
    'Missing, expired, not-yet-valid, wrong-issuer, wrong-audience, alg:none, HS256-with-the-public-key, tampered and wrong-role tokens on every protected route: each is refused with 401 and a WWW-Authenticate challenge (403 for a valid token with the wrong role), while real traffic carries on.',
  guarantees: ['R2', 'R1'],
  load: [
    {
      name: 'attackers',
      model: 'open',
      startRate: 50,
      stages: [{ target: 50, duration: '30s' }],
      maxInFlight: 50,
      operations: [{ op: 'auth-probe' }],
    },
    {
      name: 'customers',
      model: 'open',
      startRate: 20,
      stages: [{ target: 20, duration: '30s' }],
      maxInFlight: 40,
      operations: [
        { op: 'read-product', weight: 3 },
        { op: 'place-order', weight: 1 },
      ],
    },
  ],
  checks: ['auth', 'errorBudget'],
  thresholds: { bad_tokens_accepted: ['count==0'] },
  smoke: { duration: '10s', rate: 40 },
  quiesce: '10s',
})
