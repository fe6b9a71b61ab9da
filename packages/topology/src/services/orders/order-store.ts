import type { PoolClient, Pool } from 'pg'

/** An order as the API shows it. */
export interface OrderView {
  readonly id: string
  readonly status: 'PENDING' | 'APPROVED' | 'REJECTED'
  readonly customerId: string
  readonly productId: string
  readonly quantity: number
  readonly amountCents: number
  readonly createdAt: string
  readonly updatedAt: string
}

interface OrderRow {
  id: string
  status: OrderView['status']
  customer_id: string
  product_id: string
  quantity: number
  amount_cents: string
  created_at: Date
  updated_at: Date
}

const COLUMNS =
  'id, status, customer_id, product_id, quantity, amount_cents, created_at, updated_at'

function toView(row: OrderRow): OrderView {
  return {
    id: row.id,
    status: row.status,
    customerId: row.customer_id,
    productId: row.product_id,
    quantity: row.quantity,
    amountCents: Number(row.amount_cents),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  }
}

/** Inserts a PENDING order in the caller's transaction and returns it. */
export async function insertOrder(
  client: PoolClient,
  order: Omit<OrderView, 'status' | 'createdAt' | 'updatedAt'>,
): Promise<OrderView> {
  const { rows } = await client.query<OrderRow>(
    `INSERT INTO orders (id, customer_id, product_id, quantity, amount_cents, status)
     VALUES ($1, $2, $3, $4, $5, 'PENDING') RETURNING ${COLUMNS}`,
    [order.id, order.customerId, order.productId, order.quantity, order.amountCents],
  )
  return toView(rows[0]!)
}

/** The order with `id`, or undefined. */
export async function findOrder(pool: Pool, id: string): Promise<OrderView | undefined> {
  const { rows } = await pool.query<OrderRow>(`SELECT ${COLUMNS} FROM orders WHERE id = $1`, [id])
  return rows[0] === undefined ? undefined : toView(rows[0])
}

/** The ops snapshot: the newest orders (id, status, customer) and a count per status. */
export async function ordersState(pool: Pool, limit: number) {
  const [orders, counts] = await Promise.all([
    pool.query<{ id: string; status: string; customer_id: string }>(
      'SELECT id, status, customer_id FROM orders ORDER BY created_at DESC, id LIMIT $1',
      [limit],
    ),
    pool.query<{ status: string; n: string }>(
      'SELECT status, count(*) AS n FROM orders GROUP BY status',
    ),
  ])
  return {
    counts: Object.fromEntries(counts.rows.map((row) => [row.status, Number(row.n)])),
    orders: orders.rows.map((row) => ({
      id: row.id,
      status: row.status,
      customer: row.customer_id,
    })),
  }
}
