import type {
  BusinessSnapshot,
  OrderRow,
  SagaSnapshot,
  SagaState,
  StepStatus,
} from '../../checkers/snapshot.js'
import type { TopologyAccess } from './access.js'
import { query } from './sql.js'

/** OrderSaga's steps in definition order; `approve` is the pivot (no compensation). */
const ORDER_SAGA_STEPS = ['open', 'reserve-stock', 'charge', 'approve'] as const
const COMPENSATABLE = new Set(['open', 'reserve-stock', 'charge'])

interface InstanceRow {
  saga_id: string
  saga_name: string
  state: SagaState
  deadline_at: string | null
}
interface StepRow {
  saga_id: string
  step_id: string
  direction: 'invoke' | 'compensate'
  status: StepStatus
  uncertain: boolean
}
interface CompletionRow {
  saga_id: string
  step_id: string
  direction: 'invoke' | 'compensate'
}

/** Every saga of the orders database: instance, steps, and completions in commit order. */
export async function orderSagas(access: TopologyAccess): Promise<SagaSnapshot[]> {
  const url = access.databases.orders.url
  const [instances, steps, completions] = await Promise.all([
    query<InstanceRow>(
      url,
      'SELECT saga_id, saga_name, state, deadline_at::text FROM saga.instance',
    ),
    query<StepRow>(url, 'SELECT saga_id, step_id, direction, status, uncertain FROM saga.step'),
    query<CompletionRow>(
      url,
      `SELECT saga_id, step_id, direction FROM saga.history WHERE kind = 'step.completed' ORDER BY id`,
    ),
  ])
  const stepsOf = group(steps)
  const completionsOf = group(completions)
  return instances.map((instance) => {
    const rows = stepsOf.get(instance.saga_id) ?? []
    return {
      id: instance.saga_id,
      name: instance.saga_name,
      state: instance.state,
      deadlineAt: instance.deadline_at === null ? null : Number(instance.deadline_at),
      steps: ORDER_SAGA_STEPS.map((stepId) => {
        const invoke = rows.find((row) => row.step_id === stepId && row.direction === 'invoke')
        const compensate = rows.find(
          (row) => row.step_id === stepId && row.direction === 'compensate',
        )
        return {
          stepId,
          compensatable: COMPENSATABLE.has(stepId),
          ...(invoke === undefined ? {} : { invoke: invoke.status, uncertain: invoke.uncertain }),
          ...(compensate === undefined ? {} : { compensate: compensate.status }),
        }
      }),
      completions: (completionsOf.get(instance.saga_id) ?? []).map((row) => ({
        stepId: row.step_id,
        direction: row.direction,
      })),
    }
  })
}

function group<Row extends { saga_id: string }>(rows: readonly Row[]): Map<string, Row[]> {
  const map = new Map<string, Row[]>()
  for (const row of rows) {
    const list = map.get(row.saga_id) ?? []
    list.push(row)
    map.set(row.saga_id, list)
  }
  return map
}

function orderStatus(status: string): OrderRow['status'] {
  if (status === 'PENDING' || status === 'REJECTED') return status
  // Later states (shipped) are approved orders.
  return 'APPROVED'
}

/**
 * Stock, orders and charges. `initialStock` is what the run put on the shelf per product; when
 * unknown (an attached topology), the conserved sum `available + reserved` stands in for it.
 */
export async function businessState(
  access: TopologyAccess,
  initialStock: number | undefined,
): Promise<BusinessSnapshot> {
  const [stock, reserved, orders, charges] = await Promise.all([
    query<{ product_id: string; available: number }>(
      access.databases.inventory.url,
      'SELECT product_id, available FROM stock',
    ),
    query<{ product_id: string; reserved: string }>(
      access.databases.inventory.url,
      `SELECT product_id, sum(quantity)::text AS reserved FROM reservations WHERE status = 'RESERVED' GROUP BY product_id`,
    ),
    query<{ id: string; status: string; product_id: string; quantity: number }>(
      access.databases.orders.url,
      'SELECT id, status, product_id, quantity FROM orders',
    ),
    query<{ id: string; order_id: string; status: 'CHARGED' | 'REFUNDED'; amount_cents: string }>(
      access.databases.payments.url,
      'SELECT id, order_id, status, amount_cents::text FROM charges',
    ),
  ])
  const held = new Map(reserved.map((row) => [row.product_id, Number(row.reserved)]))
  return {
    stock: stock.map((row) => {
      const inUse = held.get(row.product_id) ?? 0
      return {
        productId: row.product_id,
        initial: initialStock ?? row.available + inUse,
        available: row.available,
        reserved: inUse,
      }
    }),
    orders: orders.map((row) => ({
      orderId: row.id,
      status: orderStatus(row.status),
      productId: row.product_id,
      qty: row.quantity,
    })),
    charges: charges.map((row) => ({
      chargeId: row.id,
      orderId: row.order_id,
      status: row.status,
      amount: Number(row.amount_cents),
    })),
  }
}
