import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { checkAuth } from '../../src/checkers/functions.js'
import { HistoryBuilder } from './support/history.js'

/** The auth-abuse cases and the answers a correct system gives. */
const CASES = [
  { case: 'missing-token', expect: 401 },
  { case: 'expired-token', expect: 401 },
  { case: 'forged-token', expect: 401 },
  { case: 'alg-none', expect: 401 },
  { case: 'wrong-role', expect: 403 },
  { case: 'other-customer-order', expect: 404 },
  { case: 'own-order', expect: 200 },
] as const

const CHALLENGE = 'Bearer realm="faultline", error="invalid_token"'

function probe(
  h: HistoryBuilder,
  c: string,
  expectStatus: number,
  status: number,
  i: number,
  challenge: unknown = CHALLENGE,
) {
  const output = status === 401 ? { status, wwwAuthenticate: challenge } : { status }
  return h.op({
    op: 'auth-probe',
    key: `/orders/o-${i}`,
    at: i * 10,
    until: i * 10 + 5,
    process: i % 3,
    type: status < 300 ? 'ok' : 'fail',
    input: { case: c, expectStatus },
    output,
    status,
  })
}

const probesArb = fc.array(fc.constantFrom(...CASES), { minLength: 1, maxLength: 40 })

describe('auth checker', () => {
  test('generated probes answered as expected are valid (200 runs)', () => {
    fc.assert(
      fc.property(probesArb, (probes) => {
        const h = new HistoryBuilder()
        probes.forEach((p, i) => probe(h, p.case, p.expect, p.expect, i))
        const result = checkAuth(h.events())
        expect(result.verdict).toBe('valid')
        expect(result.stats.probes).toBe(probes.length)
      }),
      { numRuns: 200 },
    )
  })

  test('a probe answered with another status is invalid and named (200 runs)', () => {
    fc.assert(
      fc.property(
        probesArb,
        fc.nat(),
        fc.constantFrom(200, 401, 403, 404, 500),
        (probes, pick, status) => {
          const at = pick % probes.length
          fc.pre(probes[at]!.expect !== status)
          const h = new HistoryBuilder()
          const ids = probes.map((p, i) =>
            probe(h, p.case, p.expect, i === at ? status : p.expect, i),
          )
          const result = checkAuth(h.events())
          expect(result.verdict).toBe('invalid')
          expect(result.counterexamples[0]).toMatchObject({
            key: probes[at]!.case,
            historyIds: [ids[at]],
            detail: { status },
          })
        },
      ),
      { numRuns: 200 },
    )
  })

  test('a 2xx on a forged token is invalid even when the scenario expected it', () => {
    const h = new HistoryBuilder()
    const id = probe(h, 'forged-token', 200, 200, 0)
    const result = checkAuth(h.events())
    expect(result.verdict).toBe('invalid')
    expect(result.stats.badTokenAccepted).toBe(1)
    expect(result.counterexamples[0]).toMatchObject({ historyIds: [id] })
    expect(result.counterexamples[0]!.message).toContain('a bad token was accepted')
  })

  test.each([null, '', 'Basic realm="x"'])(
    'a 401 without a Bearer challenge (%j) is invalid',
    (challenge) => {
      const h = new HistoryBuilder()
      probe(h, 'expired-token', 401, 401, 0, challenge)
      const result = checkAuth(h.events())
      expect(result.verdict).toBe('invalid')
      expect(result.stats.missingChallenge).toBe(1)
    },
  )

  describe('unknown, never valid', () => {
    test('without probes', () => {
      expect(checkAuth([]).verdict).toBe('unknown')
    })

    test('a probe that got no answer', () => {
      const h = new HistoryBuilder()
      probe(h, 'wrong-role', 403, 403, 0)
      h.op({
        op: 'auth-probe',
        at: 100,
        until: 200,
        type: 'info',
        input: { case: 'forged-token', expectStatus: 401 },
      })
      const result = checkAuth(h.events())
      expect(result.verdict).toBe('unknown')
      expect(result.summary).toContain('1 probe(s) got no answer')
    })

    test('a 401 whose challenge was not recorded', () => {
      const h = new HistoryBuilder()
      h.op({
        op: 'auth-probe',
        at: 0,
        until: 1,
        type: 'fail',
        input: { case: 'missing-token', expectStatus: 401 },
        output: { status: 401 },
        status: 401,
      })
      expect(checkAuth(h.events()).verdict).toBe('unknown')
    })

    test('a probe without its expected status', () => {
      const h = new HistoryBuilder()
      h.op({
        op: 'auth-probe',
        at: 0,
        until: 1,
        type: 'fail',
        input: { case: 'wrong-role' },
        status: 403,
      })
      expect(checkAuth(h.events()).verdict).toBe('unknown')
    })
  })
})
