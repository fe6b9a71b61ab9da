import type { Pool } from 'pg'

/** One product's stock as the API shows it. */
export interface StockView {
  readonly productId: string
  readonly available: number
  /** Units held by live (not released) reservations. */
  readonly reserved: number
}

/** Sets a product's available stock (seeding, restocking). */
export async function setStock(pool: Pool, productId: string, available: number): Promise<void> {
  await pool.query(
    `INSERT INTO stock (product_id, available) VALUES ($1, $2)
     ON CONFLICT (product_id) DO UPDATE SET available = $2, updated_at = now()`,
    [productId, available],
  )
}

/** A product's stock, or undefined when it has none on record. */
export async function findStock(pool: Pool, productId: string): Promise<StockView | undefined> {
  const { rows } = await pool.query<{ available: number; reserved: string }>(
    `SELECT s.available, COALESCE((SELECT sum(quantity) FROM reservations r
       WHERE r.product_id = s.product_id AND r.status = 'RESERVED'), 0) AS reserved
     FROM stock s WHERE s.product_id = $1`,
    [productId],
  )
  const row = rows[0]
  return row === undefined
    ? undefined
    : { productId, available: row.available, reserved: Number(row.reserved) }
}

/** The ops snapshot: every product's stock and the newest reservations. */
export async function inventoryState(pool: Pool, limit: number) {
  const [stock, reservations] = await Promise.all([
    pool.query<{ product_id: string; available: number }>(
      'SELECT product_id, available FROM stock ORDER BY product_id',
    ),
    pool.query<{
      id: string
      order_id: string
      product_id: string
      quantity: number
      status: string
    }>(
      `SELECT id, order_id, product_id, quantity, status FROM reservations
       ORDER BY created_at DESC, id LIMIT $1`,
      [limit],
    ),
  ])
  return {
    stock: stock.rows.map((row) => ({ productId: row.product_id, available: row.available })),
    reservations: reservations.rows.map((row) => ({
      id: row.id,
      orderId: row.order_id,
      productId: row.product_id,
      quantity: row.quantity,
      status: row.status,
    })),
  }
}
