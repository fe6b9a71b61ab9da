import type { ServiceMigration as Migration } from '../shared/migrate.js'

/** The shipping database's own table: one shipment per approved order. */
export const SHIPPING_MIGRATIONS: readonly Migration[] = [
  {
    id: 'shipping_0001_shipments',
    sql: `
      CREATE TABLE shipments (
        order_id text PRIMARY KEY,
        id uuid NOT NULL UNIQUE,
        customer_id text NOT NULL,
        product_id text NOT NULL,
        quantity integer NOT NULL CHECK (quantity > 0),
        status text NOT NULL CHECK (status IN ('CREATED')),
        created_at timestamptz NOT NULL DEFAULT now()
      );`,
  },
]
