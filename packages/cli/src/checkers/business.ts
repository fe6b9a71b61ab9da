import type { Findings } from './findings.js'
import type { BusinessSnapshot, ChargeRow, OrderRow, StockRow } from './snapshot.js'
import { groupBy } from './sorted.js'

/** An order the history says was acknowledged: `place-order` completed `ok` with this id. */
export interface AcknowledgedOrder {
  readonly historyId: number
  readonly orderId: string
}

/**
 * G3 over the business tables: stock never negative, never oversold and conserved; approved
 * orders never take more than the stock put on the shelf; a live charge only for an approved
 * order, at most one per order, and one for every approved order; every order the history
 * acknowledged exists. A missing table makes the verdict undecided.
 */
export function checkBusiness(
  business: BusinessSnapshot,
  acknowledged: readonly AcknowledgedOrder[],
  findings: Findings,
): void {
  for (const part of ['stock', 'orders', 'charges'] as const) {
    if (business[part] === undefined)
      findings.undecided(`the snapshot's business state has no \`${part}\``)
  }
  const stock = new Map((business.stock ?? []).map((row) => [row.productId, row]))
  for (const row of stock.values()) checkStock(row, findings)
  const orders =
    business.orders === undefined ? undefined : new Map(business.orders.map((o) => [o.orderId, o]))
  if (orders === undefined) return
  if (business.stock !== undefined) checkApprovedQuantities(orders, stock, findings)
  if (business.charges !== undefined) checkCharges(business.charges, orders, findings)
  for (const ack of acknowledged) {
    if (orders.has(ack.orderId)) continue
    findings.violation('acknowledgedOrderMissing', {
      message: `order ${ack.orderId} was acknowledged ok (history ${ack.historyId}) but is not in the orders table`,
      key: ack.orderId,
      historyIds: [ack.historyId],
    })
  }
}

function checkStock(row: StockRow, findings: Findings): void {
  findings.count('products')
  const detail = { initial: row.initial, available: row.available, reserved: row.reserved }
  const at = `product ${row.productId} (initial ${row.initial}, available ${row.available}, reserved ${row.reserved})`
  if (row.available < 0 || row.reserved < 0) {
    findings.violation('negativeStock', {
      message: `${at}: negative stock`,
      key: row.productId,
      detail,
    })
  }
  if (row.reserved > row.initial) {
    findings.violation('oversold', {
      message: `${at}: more reserved than was ever on the shelf`,
      key: row.productId,
      detail,
    })
  }
  if (row.available + row.reserved !== row.initial) {
    findings.violation('stockNotConserved', {
      message: `${at}: available + reserved != initial`,
      key: row.productId,
      detail,
    })
  }
}

function checkApprovedQuantities(
  orders: Map<string, OrderRow>,
  stock: Map<string, StockRow>,
  findings: Findings,
): void {
  const approved = [...orders.values()].filter((o) => o.status === 'APPROVED')
  findings.count('approvedOrders', approved.length)
  for (const [productId, group] of groupBy(approved, (o) => o.productId)) {
    const qty = group.reduce((sum, o) => sum + o.qty, 0)
    const row = stock.get(productId)
    if (row === undefined) {
      findings.undecided(`approved orders for product ${productId}, which has no stock row`)
    } else if (qty > row.initial) {
      findings.violation('oversold', {
        message: `product ${productId}: approved orders take ${qty} units, only ${row.initial} were on the shelf`,
        key: productId,
        detail: {
          approvedQty: qty,
          initial: row.initial,
          orders: group.slice(0, 20).map((o) => o.orderId),
        },
      })
    }
  }
}

function checkCharges(
  charges: readonly ChargeRow[],
  orders: Map<string, OrderRow>,
  findings: Findings,
): void {
  const live = charges.filter((c) => c.status === 'CHARGED')
  findings.count('charges', charges.length)
  findings.count('refunds', charges.length - live.length)
  const liveByOrder = groupBy(live, (c) => c.orderId)
  for (const [orderId, group] of liveByOrder) {
    const order = orders.get(orderId)
    const status = order?.status ?? 'missing'
    if (status !== 'APPROVED') {
      findings.violation('chargeWithoutApprovedOrder', {
        message: `order ${orderId} is ${status} but holds a live charge${group[0]?.chargeId === undefined ? '' : ` (${group[0].chargeId})`}`,
        key: orderId,
        detail: { orderStatus: status, charges: group.length },
      })
    }
    if (group.length > 1) {
      findings.violation('doubleCharge', {
        message: `order ${orderId} holds ${group.length} live charges`,
        key: orderId,
        detail: { charges: group.length },
      })
    }
  }
  for (const order of orders.values()) {
    if (order.status !== 'APPROVED' || liveByOrder.has(order.orderId)) continue
    findings.violation('approvedWithoutCharge', {
      message: `order ${order.orderId} is APPROVED but holds no live charge`,
      key: order.orderId,
    })
  }
}
