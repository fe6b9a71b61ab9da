import type { Pool } from 'pg'

/** The ops snapshot: the newest charges and refunds, and totals by charge status. */
export async function paymentsState(pool: Pool, limit: number) {
  const [charges, refunds, totals] = await Promise.all([
    pool.query<{ id: string; order_id: string; amount_cents: string; status: string }>(
      `SELECT id, order_id, amount_cents, status FROM charges
       ORDER BY created_at DESC, id LIMIT $1`,
      [limit],
    ),
    pool.query<{ charge_id: string; order_id: string; amount_cents: string }>(
      'SELECT charge_id, order_id, amount_cents FROM refunds ORDER BY created_at DESC LIMIT $1',
      [limit],
    ),
    pool.query<{ status: string; n: string; cents: string }>(
      'SELECT status, count(*) AS n, sum(amount_cents) AS cents FROM charges GROUP BY status',
    ),
  ])
  return {
    totals: Object.fromEntries(
      totals.rows.map((row) => [
        row.status,
        { count: Number(row.n), amountCents: Number(row.cents) },
      ]),
    ),
    charges: charges.rows.map((row) => ({
      id: row.id,
      orderId: row.order_id,
      amountCents: Number(row.amount_cents),
      status: row.status,
    })),
    refunds: refunds.rows.map((row) => ({
      chargeId: row.charge_id,
      orderId: row.order_id,
      amountCents: Number(row.amount_cents),
    })),
  }
}
