import { setMaxListeners } from 'node:events'
import type {
  BusinessSnapshot,
  ChargeRow,
  OrderRow,
  SagaSnapshot,
  SagaState,
  StepCompletion,
  StepStatus,
} from '../../checkers/snapshot.js'
import { Switch } from './switch.js'

/** How long a saga may run before it counts as stuck (the sagas checker's deadline). */
const SAGA_DEADLINE_MS = 30_000

/** The order saga's steps in definition order; `approve` is the last, with nothing to undo. */
const STEPS = [
  { stepId: 'reserve-stock', compensatable: true },
  { stepId: 'charge-payment', compensatable: true },
  { stepId: 'approve-order', compensatable: false },
] as const

type StepId = (typeof STEPS)[number]['stepId']

interface SagaRecord {
  readonly id: string
  state: SagaState
  readonly deadlineAt: number
  readonly invoke: Map<StepId, StepStatus>
  readonly compensate: Map<StepId, StepStatus>
  readonly completions: StepCompletion[]
}

interface Stock {
  readonly initial: number
  available: number
  reserved: number
}

/** What an order request needs. */
export interface OrderRequest {
  readonly productId: string
  readonly qty: number
}

/** Options of {@link EmbeddedOrders}. */
export interface OrdersOptions {
  readonly productIds: readonly string[]
  readonly stock: number
  /** Share of charges payments declines, 0..1. */
  readonly paymentFailureRate: number
  /** Draws for declines, seeded by the run. */
  readonly random: () => number
}

/**
 * Orders, inventory and payments in memory, with the order saga run by a plain in-process
 * orchestrator (saga-kit's orchestrator needs Postgres): reserve stock → charge → approve, and on
 * a failure the completed steps are compensated in reverse. The saga runs after `place-order` is
 * acknowledged, as in the topology; a fault on `orders`, `inventory` or `payments` makes the
 * steps wait for that service to come back.
 */
export class EmbeddedOrders {
  readonly orchestratorUp = new Switch()
  readonly inventoryUp = new Switch()
  readonly paymentsUp = new Switch()
  readonly #stock = new Map<string, Stock>()
  readonly #orders = new Map<string, OrderRow>()
  readonly #charges: ChargeRow[] = []
  readonly #sagas = new Map<string, SagaRecord>()
  readonly #running = new Set<Promise<void>>()
  readonly #closing = new AbortController()
  readonly #options: OrdersOptions
  #next = 0

  constructor(options: OrdersOptions) {
    this.#options = options
    // Every saga waiting out an outage listens for the close; hundreds may wait at once.
    setMaxListeners(0, this.#closing.signal)
    for (const id of options.productIds)
      this.#stock.set(id, { initial: options.stock, available: options.stock, reserved: 0 })
  }

  /** Accepts an order and starts its saga; undefined while the orders service is down. */
  place(request: OrderRequest): { orderId: string; status: string } | undefined {
    if (!this.orchestratorUp.on) return undefined
    const orderId = `o${++this.#next}`
    this.#orders.set(orderId, { orderId, status: 'PENDING', ...request })
    const saga: SagaRecord = {
      id: `saga-${orderId}`,
      state: 'RUNNING',
      deadlineAt: Date.now() + SAGA_DEADLINE_MS,
      invoke: new Map(),
      compensate: new Map(),
      completions: [],
    }
    this.#sagas.set(saga.id, saga)
    const run = this.#run(saga, orderId, request).finally(() => this.#running.delete(run))
    this.#running.add(run)
    return { orderId, status: 'PENDING' }
  }

  /** An order's status, or undefined for an unknown id. */
  status(orderId: string): string | undefined {
    return this.#orders.get(orderId)?.status
  }

  /** The id of the `pick`-th order (modulo the count), or undefined before the first. */
  pickOrder(pick: number): string | undefined {
    if (this.#next === 0) return undefined
    return `o${(pick % this.#next) + 1}`
  }

  /** Sagas not yet ended. */
  running(): number {
    return this.#running.size
  }

  /** Stops every saga where it stands (they stay RUNNING, as after a crash). */
  async close(): Promise<void> {
    this.#closing.abort()
    this.orchestratorUp.reset()
    this.inventoryUp.reset()
    this.paymentsUp.reset()
    await Promise.allSettled([...this.#running])
  }

  /** The business tables (G3). */
  business(): BusinessSnapshot {
    return {
      stock: [...this.#stock].map(([productId, s]) => ({ productId, ...s })),
      orders: [...this.#orders.values()],
      charges: this.#charges.map((charge) => ({ ...charge })),
    }
  }

  /** Every saga with its steps and completions (G1, G2). */
  sagas(): SagaSnapshot[] {
    return [...this.#sagas.values()].map((saga) => ({
      id: saga.id,
      name: 'order',
      state: saga.state,
      deadlineAt: saga.deadlineAt,
      steps: STEPS.map(({ stepId, compensatable }) => ({
        stepId,
        compensatable,
        ...optional('invoke', saga.invoke.get(stepId)),
        ...optional('compensate', saga.compensate.get(stepId)),
      })),
      completions: [...saga.completions],
    }))
  }

  async #run(saga: SagaRecord, orderId: string, request: OrderRequest): Promise<void> {
    const done: StepId[] = []
    for (const { stepId } of STEPS) {
      if (!(await this.#turn(stepId))) return
      saga.invoke.set(stepId, 'waiting')
      if (!this.#invoke(stepId, orderId, request)) {
        saga.invoke.set(stepId, 'failed')
        return this.#compensate(saga, orderId, request, done)
      }
      saga.invoke.set(stepId, 'done')
      saga.completions.push({ stepId, direction: 'invoke' })
      done.push(stepId)
    }
    saga.state = 'COMPLETED'
  }

  async #compensate(
    saga: SagaRecord,
    orderId: string,
    request: OrderRequest,
    done: readonly StepId[],
  ): Promise<void> {
    saga.state = 'COMPENSATING'
    for (const stepId of [...done].reverse()) {
      if (!(await this.#turn(stepId))) return
      saga.compensate.set(stepId, 'done')
      this.#undo(stepId, orderId, request)
      saga.completions.push({ stepId, direction: 'compensate' })
    }
    const order = this.#orders.get(orderId)
    if (order !== undefined) this.#orders.set(orderId, { ...order, status: 'REJECTED' })
    saga.state = 'COMPENSATED'
  }

  /**
   * Yields (so concurrent sagas interleave, as in a real orchestrator) and waits for the
   * orchestrator and the step's service; false once the target closes.
   */
  async #turn(stepId: StepId): Promise<boolean> {
    const signal = this.#closing.signal
    await new Promise<void>((resolve) => setImmediate(resolve))
    await this.orchestratorUp.whenOn(signal)
    if (stepId === 'reserve-stock') await this.inventoryUp.whenOn(signal)
    if (stepId === 'charge-payment') await this.paymentsUp.whenOn(signal)
    return !signal.aborted
  }

  /** Runs a step's action atomically; false when it failed (no stock, card declined). */
  #invoke(stepId: StepId, orderId: string, request: OrderRequest): boolean {
    if (stepId === 'reserve-stock') {
      const stock = this.#stock.get(request.productId)
      if (stock === undefined || stock.available < request.qty) return false
      stock.available -= request.qty
      stock.reserved += request.qty
      return true
    }
    if (stepId === 'charge-payment') {
      if (this.#options.random() < this.#options.paymentFailureRate) return false
      this.#charges.push({
        chargeId: `c-${orderId}`,
        orderId,
        status: 'CHARGED',
        amount: request.qty,
      })
      return true
    }
    const order = this.#orders.get(orderId)
    if (order !== undefined) this.#orders.set(orderId, { ...order, status: 'APPROVED' })
    return true
  }

  #undo(stepId: StepId, orderId: string, request: OrderRequest): void {
    if (stepId === 'reserve-stock') {
      const stock = this.#stock.get(request.productId)
      if (stock === undefined) return
      stock.available += request.qty
      stock.reserved -= request.qty
    } else if (stepId === 'charge-payment') {
      const index = this.#charges.findIndex((c) => c.orderId === orderId && c.status === 'CHARGED')
      const charge = this.#charges[index]
      if (charge !== undefined) this.#charges[index] = { ...charge, status: 'REFUNDED' }
    }
  }
}

function optional<K extends string>(
  key: K,
  value: StepStatus | undefined,
): Partial<Record<K, StepStatus>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, StepStatus>)
}
