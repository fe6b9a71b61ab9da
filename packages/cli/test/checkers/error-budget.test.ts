import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { checkErrorBudget } from '../../src/checkers/functions.js'
import type { ProcessSnapshot } from '../../src/checkers/snapshot.js'
import { HistoryBuilder } from './support/history.js'

const ALIVE: ProcessSnapshot[] = [
  { name: 'catalog-query#1', pid: 10, alive: true, crashes: 0 },
  { name: 'orders', pid: 11, alive: true },
]

const requestArb = fc.record({
  fuzz: fc.boolean(),
  status: fc.constantFrom(200, 201, 400, 404, 409, 413, 415, 422),
  type: fc.constantFrom('ok', 'fail'),
})

/** Requests one after another on 4 processes; fuzz ones carry a route. */
function historyOf(requests: { fuzz: boolean; status: number; type: string }[]) {
  const h = new HistoryBuilder()
  const ids = requests.map((r, i) =>
    h.op({
      op: r.fuzz ? 'fuzz' : 'read-product',
      key: r.fuzz ? undefined : 'p1',
      process: i % 4,
      at: i * 100,
      until: i * 100 + 50,
      type: r.type as 'ok' | 'fail',
      input: r.fuzz ? { route: `POST /products/${i}` } : {},
      output: { status: r.status },
      status: r.status,
    }),
  )
  return { h, ids }
}

describe('errorBudget checker', () => {
  test('generated runs where bad input gets 4xx and every process lives are valid (200 runs)', () => {
    fc.assert(
      fc.property(fc.array(requestArb, { minLength: 1, maxLength: 50 }), (requests) => {
        const { h } = historyOf(requests)
        expect(checkErrorBudget(h.events(), { processes: ALIVE }).verdict).toBe('valid')
      }),
      { numRuns: 200 },
    )
  })

  test('a 5xx on a fuzz request is invalid and names it (200 runs)', () => {
    fc.assert(
      fc.property(
        fc.array(requestArb, { minLength: 1, maxLength: 50 }),
        fc.nat(),
        fc.constantFrom(500, 502, 503),
        (requests, pick, status) => {
          const at = pick % requests.length
          const planted = requests.map((r, i) =>
            i === at ? { fuzz: true, status, type: 'fail' } : r,
          )
          const { h, ids } = historyOf(planted)
          const result = checkErrorBudget(h.events(), { processes: ALIVE }, { maxErrorRate: 1 })
          expect(result.verdict).toBe('invalid')
          expect(result.counterexamples[0]).toMatchObject({
            historyIds: [ids[at]],
            key: `POST /products/${at}`,
            detail: { status },
          })
        },
      ),
      { numRuns: 200 },
    )
  })

  test('an unanswered fuzz request is invalid, unless a fault was active while it was open', () => {
    const h = new HistoryBuilder()
    const id = h.op({
      op: 'fuzz',
      at: 0,
      until: 1000,
      type: 'info',
      input: { route: 'POST /orders' },
    })
    const result = checkErrorBudget(h.events(), { processes: ALIVE })
    expect(result.verdict).toBe('invalid')
    expect(result.counterexamples[0]).toMatchObject({ historyIds: [id] })
    h.fault('kill', 'orders', 500, 2000)
    const during = checkErrorBudget(h.events(), { processes: ALIVE })
    expect(during.verdict).toBe('valid')
    expect(during.stats.fuzzUnansweredDuringFault).toBe(1)
  })

  test('other operations: 5xx and unanswered count against the budget', () => {
    const h = new HistoryBuilder()
    for (let i = 0; i < 98; i++)
      h.op({
        op: 'read-product',
        key: 'p',
        at: i,
        until: i + 1,
        status: 200,
        output: { version: 1 },
      })
    const e1 = h.op({
      op: 'read-product',
      key: 'p',
      at: 200,
      until: 201,
      type: 'fail',
      status: 503,
    })
    const e2 = h.op({ op: 'place-order', at: 200, until: 201, type: 'info' })
    expect(checkErrorBudget(h.events(), { processes: ALIVE }, { maxErrorRate: 0.02 }).verdict).toBe(
      'valid',
    )
    const over = checkErrorBudget(h.events(), { processes: ALIVE }, { maxErrorRate: 0.01 })
    expect(over.verdict).toBe('invalid')
    expect(over.counterexamples[0]).toMatchObject({
      historyIds: [e1, e2],
      detail: { errors: 2, total: 100, byOp: { 'read-product': '1/99', 'place-order': '1/1' } },
    })
    // The default budget is zero.
    expect(checkErrorBudget(h.events(), { processes: ALIVE }).verdict).toBe('invalid')
  })

  test('a dead process or a crash is invalid', () => {
    const h = new HistoryBuilder()
    h.op({ op: 'read-product', key: 'p', at: 0, until: 1, status: 200 })
    const dead = checkErrorBudget(h.events(), {
      processes: [...ALIVE, { name: 'payments', alive: false }],
    })
    expect(dead.verdict).toBe('invalid')
    expect(dead.counterexamples[0]).toMatchObject({ key: 'payments' })
    const crashed = checkErrorBudget(h.events(), {
      processes: [{ name: 'search', alive: true, crashes: 2 }],
    })
    expect(crashed.verdict).toBe('invalid')
    expect(crashed.stats.processCrashed).toBe(1)
  })

  describe('unknown, never valid', () => {
    test('without processes in the snapshot', () => {
      const h = new HistoryBuilder()
      h.op({ op: 'fuzz', at: 0, until: 1, status: 400, type: 'fail' })
      expect(checkErrorBudget(h.events(), {}).verdict).toBe('unknown')
      expect(checkErrorBudget(h.events(), { processes: [] }).verdict).toBe('unknown')
    })

    test('without any operation', () => {
      expect(checkErrorBudget([], { processes: ALIVE }).verdict).toBe('unknown')
    })
  })
})
