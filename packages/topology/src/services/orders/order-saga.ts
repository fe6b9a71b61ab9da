import { command, defineSaga, emitEvent, type SagaTransport } from '@faultline/saga-kit'
import { CHANNELS } from '../shared/order-side/names.js'

/** What an order saga carries from start to end. */
export interface OrderSagaData {
  readonly orderId: string
  readonly customerId: string
  readonly productId: string
  readonly quantity: number
  readonly amountCents: number
}

/** The saga's registered name. */
export const ORDER_SAGA = 'order'

/** Options of {@link defineOrderSaga}. */
export interface OrderSagaOptions {
  /** Sends `order.approved` in the approving transaction. */
  readonly transport: SagaTransport
  /** How long a participant has to answer one attempt of a command. */
  readonly stepTimeoutMs: number
}

/**
 * OrderSaga: reserve stock → charge → approve; on failure, refund, then release, then the order
 * is REJECTED. The first step is local and does nothing forward: it exists so that its
 * compensation, the last one to run, marks the order REJECTED in the very transaction that
 * ends the saga COMPENSATED. Approving is the pivot: it marks the order APPROVED and emits
 * `order.approved` (choreography for shipping) in one transaction with the saga's checkpoint.
 */
export function defineOrderSaga(options: OrderSagaOptions) {
  const { transport, stepTimeoutMs } = options
  const retry = { maxAttempts: 3, initialDelayMs: 200 }
  return defineSaga<OrderSagaData>(ORDER_SAGA)
    .step('open', {
      invoke: () => undefined,
      compensate: async ({ tx, data }) => {
        await tx.client.query(
          `UPDATE orders SET status = 'REJECTED', updated_at = now()
           WHERE id = $1 AND status = 'PENDING'`,
          [data.orderId],
        )
      },
    })
    .step('reserve-stock', {
      invoke: command('inventory', 'inventory.reserve', ({ data }) => ({
        orderId: data.orderId,
        productId: data.productId,
        quantity: data.quantity,
      })),
      compensate: command('inventory', 'inventory.release'),
      timeoutMs: stepTimeoutMs,
      retry,
    })
    .step('charge', {
      invoke: command('payments', 'payments.charge', ({ data }) => ({
        orderId: data.orderId,
        customerId: data.customerId,
        amountCents: data.amountCents,
      })),
      compensate: command('payments', 'payments.refund'),
      timeoutMs: stepTimeoutMs,
      retry,
    })
    .step('approve', {
      kind: 'pivot',
      invoke: async ({ tx, data }) => {
        await tx.client.query(
          `UPDATE orders SET status = 'APPROVED', updated_at = now()
           WHERE id = $1 AND status = 'PENDING'`,
          [data.orderId],
        )
        await emitEvent(tx, transport, CHANNELS.order, {
          type: 'order.approved',
          key: data.orderId,
          payload: { ...data },
        })
      },
    })
}
