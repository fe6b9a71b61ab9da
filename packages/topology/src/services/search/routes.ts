import type { FastifyInstance } from 'fastify'
import type pg from 'pg'
import type { ProjectionRunner } from '@faultline/sync-kit'
import { SEARCH_TABLE, type SearchRow } from './projection.js'

const SEARCH_QUERY = {
  type: 'object',
  properties: {
    q: { type: 'string', minLength: 1, maxLength: 100 },
    category: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9-]*$' },
    limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
  },
} as const

/** `%` and `_` in a user's text are literal characters, not LIKE wildcards. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`
}

/** `GET /search?q=&category=`: name or description contains `q`, in `category`, by name. */
export function registerSearchRoutes(app: FastifyInstance, pool: pg.Pool): void {
  app.get<{ Querystring: { q?: string; category?: string; limit: number } }>(
    '/search',
    { schema: { querystring: SEARCH_QUERY } },
    async (request) => {
      const { q: text, category, limit } = request.query
      const result = await pool.query<SearchRow & { description: string }>(
        `SELECT id, name, category, description, price_cents::float8 AS price_cents, stock, version
         FROM ${SEARCH_TABLE}
         WHERE ($1::text IS NULL OR name ILIKE $1 OR description ILIKE $1)
           AND ($2::text IS NULL OR category = $2)
         ORDER BY name, id LIMIT $3`,
        [text === undefined ? null : likePattern(text), category ?? null, limit],
      )
      return { items: result.rows }
    },
  )
}

/** `GET /ops/state` (rows and checksum) and `POST /ops/rebuild` (replay, swap, checksum). */
export function registerSearchOps(
  app: FastifyInstance,
  runner: ProjectionRunner<pg.PoolClient>,
  pool: pg.Pool,
): void {
  app.get('/ops/state', async () => {
    const [checksum, rows] = await Promise.all([
      runner.checksum(),
      pool.query<SearchRow>(
        `SELECT id, name, category, price_cents::float8 AS price_cents, stock, version FROM ${SEARCH_TABLE} ORDER BY id`,
      ),
    ])
    return { service: 'search', checksum: checksum.readModel, rows: rows.rows }
  })
  app.post('/ops/rebuild', { schema: { body: { type: 'object', properties: {} } } }, async () => {
    const rebuilt = await runner.rebuild()
    const checksum = await runner.checksum()
    return { rows: rebuilt.rows, checksum: checksum.readModel }
  })
}
