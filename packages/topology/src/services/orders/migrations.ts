import type { ServiceMigration as Migration } from '../shared/migrate.js'

/**
 * The orders database's own tables. `orders` holds each order and where its saga left it;
 * `idempotency_keys` holds the first response to each `Idempotency-Key`, byte for byte, and the
 * hash of the request it answered, so a replay returns it and a different body is refused.
 */
export const ORDERS_MIGRATIONS: readonly Migration[] = [
  {
    id: 'orders_0001_orders',
    sql: `
      CREATE TABLE orders (
        id uuid PRIMARY KEY,
        customer_id text NOT NULL,
        product_id text NOT NULL,
        quantity integer NOT NULL CHECK (quantity > 0),
        amount_cents bigint NOT NULL CHECK (amount_cents >= 0),
        status text NOT NULL CHECK (status IN ('PENDING', 'APPROVED', 'REJECTED')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX orders_created_at ON orders (created_at);
      CREATE TABLE idempotency_keys (
        key text PRIMARY KEY,
        request_hash text NOT NULL,
        status_code integer NOT NULL,
        response_body text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );`,
  },
]
