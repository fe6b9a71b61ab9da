import type { FastifyInstance } from 'fastify'
import type { Pool } from 'pg'
import type { Chaos, ChaosSettings } from './chaos.js'
import { paymentsState } from './payments-store.js'

/** The chaos knobs' schema; a PUT changes only the knobs it names. */
export const CHAOS_PROPERTIES = {
  failureRate: { type: 'number', minimum: 0, maximum: 1 },
  latencyMs: { type: 'integer', minimum: 0, maximum: 600_000 },
  hang: { type: 'boolean' },
} as const

const CHAOS_BODY = {
  type: 'object',
  minProperties: 1,
  properties: CHAOS_PROPERTIES,
} as const

const OPS_QUERY = {
  type: 'object',
  properties: { limit: { type: 'integer', minimum: 1, maximum: 10_000, default: 1_000 } },
} as const

/** `GET`/`PUT /admin/chaos` (this instance's knobs) and `GET /ops/state`. */
export function registerPaymentsRoutes(app: FastifyInstance, pool: Pool, chaos: Chaos): void {
  app.get('/admin/chaos', () => chaos.settings)
  app.put('/admin/chaos', { schema: { body: CHAOS_BODY } }, (request) =>
    chaos.update(request.body as Partial<ChaosSettings>),
  )
  app.get('/ops/state', { schema: { querystring: OPS_QUERY } }, async (request) => {
    const { limit } = request.query as { limit: number }
    return { chaos: chaos.settings, ...(await paymentsState(pool, limit)) }
  })
}
