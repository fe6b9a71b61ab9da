import type { ServiceMigration } from '../shared/migrate.js'

/**
 * The catalog's own table. A delete is a tombstone row (`deleted`, version + 1), so versions only
 * grow and a cache fill of the old row is refused by its version.
 */
export const CATALOG_MIGRATIONS: readonly ServiceMigration[] = [
  {
    id: '0001_products',
    sql: `CREATE TABLE products (
            id text PRIMARY KEY,
            name text NOT NULL,
            category text NOT NULL,
            description text NOT NULL DEFAULT '',
            price_cents bigint NOT NULL CHECK (price_cents >= 0),
            stock integer NOT NULL CHECK (stock >= 0),
            version integer NOT NULL,
            deleted boolean NOT NULL DEFAULT false,
            updated_at timestamptz NOT NULL DEFAULT now());
          CREATE INDEX products_category_page ON products (category, id) WHERE NOT deleted;`,
  },
]
