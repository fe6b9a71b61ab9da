import type { ServiceMigration as Migration } from '../shared/migrate.js'

/**
 * The payments database's own tables. A charge is keyed by the saga step's idempotency key and
 * turns REFUNDED at most once; each refund is a row of its own, so "no charge survives a
 * rejected order" is one query: no CHARGED row for it.
 */
export const PAYMENTS_MIGRATIONS: readonly Migration[] = [
  {
    id: 'payments_0001_charges',
    sql: `
      CREATE TABLE charges (
        id text PRIMARY KEY,
        order_id text NOT NULL,
        customer_id text NOT NULL,
        amount_cents bigint NOT NULL CHECK (amount_cents >= 0),
        status text NOT NULL CHECK (status IN ('CHARGED', 'REFUNDED')),
        created_at timestamptz NOT NULL DEFAULT now(),
        refunded_at timestamptz
      );
      CREATE INDEX charges_order ON charges (order_id);
      CREATE TABLE refunds (
        charge_id text PRIMARY KEY REFERENCES charges (id),
        order_id text NOT NULL,
        amount_cents bigint NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );`,
  },
]
