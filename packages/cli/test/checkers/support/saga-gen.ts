import fc from 'fast-check'
import type {
  ChargeRow,
  OrderRow,
  SagaSnapshot,
  SagaStepSnapshot,
  StepCompletion,
  StockRow,
  SystemSnapshot,
} from '../../../src/checkers/snapshot.js'
import type { HistoryEvent } from '../../../src/history/events.js'
import { HistoryBuilder } from './history.js'

/** The reference order saga: three compensatable steps and a pivot. */
export const ORDER_STEPS = ['create-order', 'reserve-stock', 'charge', 'approve'] as const

/** How one generated order saga ends. */
export interface SagaPlan {
  /** completed; compensated after step `failAt` failed; or failed while compensating. */
  readonly outcome: 'completed' | 'compensated' | 'failed'
  /** 1..3: the step that failed (or whose deadline fired) going forward. */
  readonly failAt: number
  /** The failed step timed out: it may have acted, so it is compensated too. */
  readonly uncertain: boolean
  readonly product: number
  readonly qty: number
}

const planArb: fc.Arbitrary<SagaPlan> = fc.record({
  outcome: fc.constantFrom('completed', 'compensated', 'failed'),
  failAt: fc.integer({ min: 1, max: 3 }),
  uncertain: fc.boolean(),
  product: fc.integer({ min: 0, max: 2 }),
  qty: fc.integer({ min: 1, max: 4 }),
})

/**
 * Always one saga of each kind (so every plant has a target: saga-3's charge timed out, so it is
 * maybe done and compensated), then random ones.
 */
export const plansArb: fc.Arbitrary<SagaPlan[]> = fc
  .array(planArb, { maxLength: 12 })
  .map((rest): SagaPlan[] => [
    { outcome: 'completed', failAt: 1, uncertain: false, product: 0, qty: 1 },
    { outcome: 'compensated', failAt: 3, uncertain: false, product: 1, qty: 2 },
    { outcome: 'failed', failAt: 3, uncertain: false, product: 2, qty: 1 },
    { outcome: 'compensated', failAt: 2, uncertain: true, product: 0, qty: 1 },
    ...rest,
  ])

export const TAKEN_AT = 1_700_000_000_000

function sagaOf(plan: SagaPlan, i: number): SagaSnapshot {
  // A FAILED saga here charged, timed out before approving, refunded, and then failed to release.
  const forwardDone = plan.outcome === 'completed' ? 4 : plan.outcome === 'failed' ? 3 : plan.failAt
  const maybe =
    plan.outcome === 'compensated' && plan.uncertain && plan.failAt < 3 ? plan.failAt : undefined
  const compensated =
    plan.outcome === 'completed'
      ? []
      : plan.outcome === 'failed'
        ? [2]
        : [...(maybe === undefined ? [] : [maybe]), ...range(forwardDone).reverse()]
  const steps: SagaStepSnapshot[] = ORDER_STEPS.map((stepId, s) => ({
    stepId,
    compensatable: s < 3,
    ...(s < forwardDone
      ? { invoke: 'done' as const }
      : s === forwardDone && plan.outcome !== 'completed'
        ? { invoke: 'failed' as const }
        : {}),
    ...(s === maybe ? { uncertain: true } : {}),
    ...(compensated.includes(s)
      ? { compensate: 'done' as const }
      : plan.outcome === 'failed' && s === 1
        ? { compensate: 'failed' as const }
        : {}),
  }))
  const completions: StepCompletion[] = [
    ...range(forwardDone).map((s) => ({ stepId: ORDER_STEPS[s]!, direction: 'invoke' as const })),
    ...compensated.map((s) => ({ stepId: ORDER_STEPS[s]!, direction: 'compensate' as const })),
  ]
  const state =
    plan.outcome === 'completed'
      ? 'COMPLETED'
      : plan.outcome === 'compensated'
        ? 'COMPENSATED'
        : 'FAILED'
  return { id: `saga-${i}`, name: 'order', state, deadlineAt: TAKEN_AT - 5_000, steps, completions }
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i)
}

/** What the business tables hold after these sagas: reservations, orders and charges. */
function businessOf(plans: readonly SagaPlan[]) {
  const orders: OrderRow[] = []
  const charges: ChargeRow[] = []
  const reserved = [0, 0, 0]
  plans.forEach((plan, i) => {
    const orderId = `o-${i}`
    const status =
      plan.outcome === 'completed'
        ? 'APPROVED'
        : plan.outcome === 'compensated'
          ? 'REJECTED'
          : 'PENDING'
    orders.push({ orderId, status, productId: `p${plan.product}`, qty: plan.qty })
    if (plan.outcome !== 'compensated') reserved[plan.product]! += plan.qty
    const charged =
      plan.outcome === 'completed' ||
      plan.outcome === 'failed' ||
      plan.failAt === 3 ||
      (plan.uncertain && plan.failAt === 2)
    if (charged)
      charges.push({
        orderId,
        status: plan.outcome === 'completed' ? 'CHARGED' : 'REFUNDED',
        chargeId: `c-${i}`,
      })
  })
  const stock: StockRow[] = reserved.map((r, p) => ({
    productId: `p${p}`,
    initial: r + p,
    available: p,
    reserved: r,
  }))
  return { orders, charges, stock }
}

/** A generated run: its history (every order acknowledged) and its snapshot. */
export function sagaRun(plans: readonly SagaPlan[]): {
  history: HistoryEvent[]
  snapshot: SystemSnapshot
} {
  const h = new HistoryBuilder()
  plans.forEach((plan, i) => {
    h.op({
      op: 'place-order',
      at: i * 10,
      until: i * 10 + 5,
      process: i,
      input: { productId: `p${plan.product}`, qty: plan.qty },
      output: { orderId: `o-${i}`, status: 'PENDING' },
    })
  })
  return {
    history: h.events(),
    snapshot: { takenAt: TAKEN_AT, sagas: plans.map(sagaOf), business: businessOf(plans) },
  }
}
