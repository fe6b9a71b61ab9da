import type { FastifyInstance } from 'fastify'
import type { Pool } from 'pg'

const OPS_QUERY = {
  type: 'object',
  properties: { limit: { type: 'integer', minimum: 1, maximum: 10_000, default: 1_000 } },
} as const

/** `GET /ops/state`: the newest shipments and their count. */
export function registerShippingRoutes(app: FastifyInstance, pool: Pool): void {
  app.get('/ops/state', { schema: { querystring: OPS_QUERY } }, async (request) => {
    const { limit } = request.query as { limit: number }
    const [rows, total] = await Promise.all([
      pool.query<{ id: string; order_id: string; status: string }>(
        'SELECT id, order_id, status FROM shipments ORDER BY created_at DESC LIMIT $1',
        [limit],
      ),
      pool.query<{ n: string }>('SELECT count(*) AS n FROM shipments'),
    ])
    return {
      count: Number(total.rows[0]?.n ?? 0),
      shipments: rows.rows.map((row) => ({
        id: row.id,
        orderId: row.order_id,
        status: row.status,
      })),
    }
  })
}
