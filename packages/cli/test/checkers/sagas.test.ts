import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { checkSagas } from '../../src/checkers/functions.js'
import type { BusinessSnapshot, SagaSnapshot, SystemSnapshot } from '../../src/checkers/snapshot.js'
import { plansArb, sagaRun, TAKEN_AT } from './support/saga-gen.js'
import { HistoryBuilder } from './support/history.js'

const RUNS = 150

type Snapshot = SystemSnapshot & { sagas: SagaSnapshot[]; business: Required<BusinessSnapshot> }

/** A planted violation: how it changes the snapshot, and the kind and key it must be reported as. */
interface Plant {
  readonly kind: string
  readonly key: string
  readonly apply: (s: Snapshot) => Snapshot
}

function editSaga(s: Snapshot, id: string, edit: (saga: SagaSnapshot) => SagaSnapshot): Snapshot {
  return { ...s, sagas: s.sagas.map((saga) => (saga.id === id ? edit(saga) : saga)) }
}

function editBusiness(s: Snapshot, edit: Partial<Snapshot['business']>): Snapshot {
  return { ...s, business: { ...s.business, ...edit } }
}

/**
 * saga-0 completed (order o-0), saga-1 compensated charge, reserve-stock, create-order (o-1),
 * saga-2 failed, saga-3 compensated its timed-out (maybe done) charge and the steps before.
 */
const PLANTS: Plant[] = [
  {
    kind: 'compensatedTwice',
    key: 'saga-1',
    apply: (s) =>
      editSaga(s, 'saga-1', (g) => ({
        ...g,
        completions: [...g.completions, { stepId: 'create-order', direction: 'compensate' }],
      })),
  },
  {
    kind: 'compensationOrder',
    key: 'saga-1',
    apply: (s) =>
      editSaga(s, 'saga-1', (g) => {
        const forward = g.completions.filter((c) => c.direction === 'invoke')
        const [a, b, c] = g.completions.filter((x) => x.direction === 'compensate')
        return { ...g, completions: [...forward, b!, a!, c!] }
      }),
  },
  {
    kind: 'notCompensated',
    key: 'saga-1',
    apply: (s) =>
      editSaga(s, 'saga-1', (g) => ({
        ...g,
        completions: g.completions.filter(
          (c) => !(c.direction === 'compensate' && c.stepId === 'reserve-stock'),
        ),
        steps: g.steps.map((st) =>
          st.stepId === 'reserve-stock' ? { ...st, compensate: 'failed' } : st,
        ),
      })),
  },
  {
    kind: 'notCompensated',
    key: 'saga-3',
    apply: (s) =>
      editSaga(s, 'saga-3', (g) => ({
        ...g,
        completions: g.completions.filter(
          (c) => !(c.direction === 'compensate' && c.stepId === 'charge'),
        ),
        steps: g.steps.map(({ compensate: _, ...st }) => st),
      })),
  },
  {
    kind: 'compensatedCompletedSaga',
    key: 'saga-0',
    apply: (s) =>
      editSaga(s, 'saga-0', (g) => ({
        ...g,
        completions: [...g.completions, { stepId: 'charge', direction: 'compensate' }],
      })),
  },
  {
    kind: 'compensatedWithoutCompensation',
    key: 'saga-1',
    apply: (s) =>
      editSaga(s, 'saga-1', (g) => ({
        ...g,
        completions: [...g.completions, { stepId: 'approve', direction: 'compensate' }],
      })),
  },
  {
    kind: 'completedTwice',
    key: 'saga-0',
    apply: (s) =>
      editSaga(s, 'saga-0', (g) => ({
        ...g,
        completions: [{ stepId: 'charge', direction: 'invoke' }, ...g.completions],
      })),
  },
  {
    kind: 'stuck',
    key: 'saga-2',
    apply: (s) =>
      editSaga(s, 'saga-2', (g) => ({
        ...g,
        state: 'COMPENSATING',
        deadlineAt: TAKEN_AT - 60_000,
      })),
  },
  {
    kind: 'negativeStock',
    key: 'p0',
    apply: (s) =>
      editBusiness(s, {
        stock: s.business.stock.map((r) =>
          r.productId === 'p0' ? { ...r, available: -1, reserved: r.initial + 1 } : r,
        ),
      }),
  },
  {
    kind: 'stockNotConserved',
    key: 'p1',
    apply: (s) =>
      editBusiness(s, {
        stock: s.business.stock.map((r) =>
          r.productId === 'p1' ? { ...r, available: r.available + 1 } : r,
        ),
      }),
  },
  {
    kind: 'oversold',
    key: 'p2',
    apply: (s) => {
      const initial = s.business.stock.find((r) => r.productId === 'p2')!.initial
      return editBusiness(s, {
        orders: [
          ...s.business.orders,
          { orderId: 'extra', status: 'APPROVED', productId: 'p2', qty: initial + 1 },
        ],
        charges: [...s.business.charges, { orderId: 'extra', status: 'CHARGED' }],
      })
    },
  },
  {
    kind: 'chargeWithoutApprovedOrder',
    key: 'o-1',
    apply: (s) =>
      editBusiness(s, { charges: [...s.business.charges, { orderId: 'o-1', status: 'CHARGED' }] }),
  },
  {
    kind: 'doubleCharge',
    key: 'o-0',
    apply: (s) =>
      editBusiness(s, { charges: [...s.business.charges, { orderId: 'o-0', status: 'CHARGED' }] }),
  },
  {
    kind: 'approvedWithoutCharge',
    key: 'o-0',
    apply: (s) =>
      editBusiness(s, { charges: s.business.charges.filter((c) => c.orderId !== 'o-0') }),
  },
  {
    kind: 'acknowledgedOrderMissing',
    key: 'o-1',
    apply: (s) =>
      editBusiness(s, {
        orders: s.business.orders.filter((o) => o.orderId !== 'o-1'),
        charges: s.business.charges.filter((c) => c.orderId !== 'o-1'),
      }),
  },
]

describe('sagas checker', () => {
  test(`generated order sagas (completed, compensated with maybe-done steps, failed) are valid (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(plansArb, (plans) => {
        const { history, snapshot } = sagaRun(plans)
        const result = checkSagas(history, snapshot)
        expect(result.verdict).toBe('valid')
        expect(result.stats.sagas).toBe(plans.length)
      }),
      { numRuns: RUNS },
    )
  })

  test.each(PLANTS.map((p) => [`${p.kind} (${p.key})`, p] as const))(
    `a planted %s is invalid and names the saga, product or order (${RUNS} runs)`,
    (_, plant) => {
      fc.assert(
        fc.property(plansArb, (plans) => {
          const { history, snapshot } = sagaRun(plans)
          const result = checkSagas(history, plant.apply(snapshot as Snapshot), {
            maxCounterexamples: 1000,
          })
          expect(result.verdict).toBe('invalid')
          expect(result.stats[plant.kind]).toBeGreaterThanOrEqual(1)
          expect(result.counterexamples.some((c) => c.key === plant.key)).toBe(true)
        }),
        { numRuns: RUNS },
      )
    },
  )

  test('a missing acknowledged order points at the place-order in the history', () => {
    const { history, snapshot } = sagaRun([
      { outcome: 'compensated', failAt: 1, uncertain: false, product: 0, qty: 1 },
    ])
    const result = checkSagas(history, {
      ...snapshot,
      business: { ...snapshot.business, orders: [] },
    })
    const placed = history.find((e) => e.type === 'ok' && e.op === 'place-order')!
    expect(result.counterexamples[0]).toMatchObject({
      key: 'o-0',
      historyIds: [(placed as { id: number }).id],
    })
  })

  test('a parallel group may be compensated in any order among its members, but not across groups', () => {
    const steps = [
      {
        stepId: 'a',
        compensatable: true,
        group: 'a+b',
        invoke: 'done' as const,
        compensate: 'done' as const,
      },
      {
        stepId: 'b',
        compensatable: true,
        group: 'a+b',
        invoke: 'done' as const,
        compensate: 'done' as const,
      },
      { stepId: 'c', compensatable: true, invoke: 'done' as const, compensate: 'done' as const },
    ]
    const saga = (order: string[]): SagaSnapshot => ({
      id: 's',
      state: 'COMPENSATED',
      deadlineAt: null,
      steps,
      completions: [
        ...['b', 'a', 'c'].map((stepId) => ({ stepId, direction: 'invoke' as const })),
        ...order.map((stepId) => ({ stepId, direction: 'compensate' as const })),
      ],
    })
    const run = (order: string[]) =>
      checkSagas([], { sagas: [saga(order)], business: { stock: [], orders: [], charges: [] } })
        .verdict
    expect(run(['c', 'b', 'a'])).toBe('valid')
    expect(run(['c', 'a', 'b'])).toBe('valid')
    expect(run(['a', 'c', 'b'])).toBe('invalid')
  })

  test('FAILED is an acceptable end unless allowFailed is false', () => {
    const { history, snapshot } = sagaRun([
      { outcome: 'failed', failAt: 3, uncertain: false, product: 0, qty: 1 },
    ])
    expect(checkSagas(history, snapshot).verdict).toBe('valid')
    const strict = checkSagas(history, snapshot, { allowFailed: false })
    expect(strict.verdict).toBe('invalid')
    expect(strict.counterexamples[0]).toMatchObject({ key: 'saga-0' })
  })

  describe('unknown, never valid', () => {
    const { history, snapshot } = sagaRun([
      { outcome: 'completed', failAt: 1, uncertain: false, product: 0, qty: 1 },
    ])

    test('a saga still running before its deadline (quiescence came too early)', () => {
      const running = {
        ...snapshot,
        sagas: snapshot.sagas!.map((s) => ({
          ...s,
          state: 'RUNNING' as const,
          deadlineAt: TAKEN_AT + 1000,
        })),
      }
      const result = checkSagas(history, running)
      expect(result.verdict).toBe('unknown')
      expect(result.summary).toContain('still running within their deadline')
    })

    test('a saga still running without a deadline, or without a snapshot time', () => {
      const running = snapshot.sagas!.map((s) => ({
        ...s,
        state: 'RUNNING' as const,
        deadlineAt: null,
      }))
      expect(checkSagas(history, { ...snapshot, sagas: running }).verdict).toBe('unknown')
      expect(
        checkSagas(history, {
          ...snapshot,
          takenAt: undefined,
          sagas: running.map((s) => ({ ...s, deadlineAt: 1 })),
        }).verdict,
      ).toBe('unknown')
    })

    test.each(['sagas', 'business'] as const)('without %s in the snapshot', (part) => {
      const result = checkSagas(history, { ...snapshot, [part]: undefined })
      expect(result.verdict).toBe('unknown')
      expect(result.summary).toContain(`no \`${part}\``)
    })

    test.each(['stock', 'orders', 'charges'] as const)('without the %s table', (part) => {
      const result = checkSagas(history, {
        ...snapshot,
        business: { ...snapshot.business, [part]: undefined },
      })
      expect(result.verdict).toBe('unknown')
      expect(result.summary).toContain(`no \`${part}\``)
    })

    test('with no sagas at all', () => {
      expect(checkSagas(history, { ...snapshot, sagas: [] }).verdict).toBe('unknown')
    })

    test('an acknowledged order without an id', () => {
      const h = new HistoryBuilder()
      h.op({ op: 'place-order', at: 0, until: 1, output: { status: 'PENDING' } })
      expect(checkSagas(h.events(), snapshot).verdict).toBe('unknown')
    })
  })
})
