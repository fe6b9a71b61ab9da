import type { PoolClient } from 'pg'
import { defineProjection, type Projection } from '@faultline/sync-kit'
import { PRODUCT_CHANGED, type ProductChangedPayload } from '../shared/product.js'

/** The live table `GET /search` reads (a rebuild swaps a fresh one in under this name). */
export const SEARCH_TABLE = 'search_products'

/**
 * One read-model row as `checksum()` digests it and the ops route shows it. A type, not an
 * interface: sync-kit's `rows()` wants JSON values, which need an index signature.
 */
export type SearchRow = {
  readonly id: string
  readonly name: string
  readonly category: string
  readonly price_cents: number
  readonly stock: number
  readonly version: number
}

/**
 * Products as search sees them: live products only (a delete removes the row), with the
 * fields a search result shows and the version the row was projected at.
 */
export const productSearch: Projection<PoolClient> = defineProjection<PoolClient>({
  name: 'product_search',
  table: SEARCH_TABLE,
  handles: [PRODUCT_CHANGED],
  createTable: async (tx, table) => {
    await tx.query(
      `CREATE TABLE IF NOT EXISTS ${table} (
         id text PRIMARY KEY, name text NOT NULL, category text NOT NULL,
         description text NOT NULL, price_cents bigint NOT NULL, stock integer NOT NULL,
         version integer NOT NULL)`,
    )
  },
  apply: async (tx, event, { table }) => {
    const product = event.payload as unknown as ProductChangedPayload
    if (product.deleted) {
      await tx.query(`DELETE FROM ${table} WHERE id = $1`, [product.id])
      return
    }
    // The consumer applies one product's events in order; the version guard only makes a
    // replayed older event harmless.
    await tx.query(
      `INSERT INTO ${table} (id, name, category, description, price_cents, stock, version)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (id) DO UPDATE SET name = $2, category = $3, description = $4,
         price_cents = $5, stock = $6, version = $7
       WHERE ${table}.version < $7`,
      [
        product.id,
        product.name,
        product.category,
        product.description,
        product.priceCents,
        product.stock,
        product.version,
      ],
    )
  },
  rows: async (tx, table) =>
    (
      await tx.query<SearchRow>(
        `SELECT id, name, category, price_cents::float8 AS price_cents, stock, version FROM ${table}`,
      )
    ).rows,
})
