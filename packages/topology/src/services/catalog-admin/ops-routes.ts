import type { FastifyInstance } from 'fastify'
import type pg from 'pg'

/** `GET /ops/state`: what the CLI's snapshot compares with the read side (id, version, stock). */
export function registerCatalogOps(app: FastifyInstance, pool: pg.Pool): void {
  app.get('/ops/state', async () => {
    const result = await pool.query<{
      id: string
      version: number
      stock: number
      deleted: boolean
    }>('SELECT id, version, stock, deleted FROM products ORDER BY id')
    return { service: 'catalog', products: result.rows }
  })
}
