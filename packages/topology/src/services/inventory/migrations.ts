import type { ServiceMigration as Migration } from '../shared/migrate.js'

/**
 * The inventory database's own tables. `available` can never go below zero (a CHECK backs the
 * conditional update that reserves); a reservation is keyed by the saga step's idempotency key,
 * so its release finds it and a second release finds it RELEASED and does nothing.
 */
export const INVENTORY_MIGRATIONS: readonly Migration[] = [
  {
    id: 'inventory_0001_stock',
    sql: `
      CREATE TABLE stock (
        product_id text PRIMARY KEY,
        available integer NOT NULL CHECK (available >= 0),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE reservations (
        id text PRIMARY KEY,
        order_id text NOT NULL,
        product_id text NOT NULL,
        quantity integer NOT NULL CHECK (quantity > 0),
        status text NOT NULL CHECK (status IN ('RESERVED', 'RELEASED')),
        created_at timestamptz NOT NULL DEFAULT now(),
        released_at timestamptz
      );
      CREATE INDEX reservations_product ON reservations (product_id, status);`,
  },
]
