import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { checkHerd } from '../../src/checkers/functions.js'
import { HistoryBuilder } from './support/history.js'

/** A herd on `key` from `start`: `reads` concurrent reads over `processes` processes. */
function herdOn(h: HistoryBuilder, key: string, start: number, reads: number): number {
  const id = h.fault('herd', `cache:${key}`, start, start + 1000, { key })
  for (let i = 0; i < reads; i++) h.read(key, 1, start + 10 + i, start + 900, { process: i })
  return id
}

describe('herd checker', () => {
  test('one loader call per herd across all nodes is valid; two is invalid and names the key and the herd', () => {
    const h = new HistoryBuilder()
    const herd = herdOn(h, 'p1', 0, 50)
    expect(checkHerd(h.events(), { cache: { loaderCalls: { p1: 1 } } }).verdict).toBe('valid')
    const result = checkHerd(h.events(), { cache: { loaderCalls: { p1: 2 } } })
    expect(result.verdict).toBe('invalid')
    expect(result.counterexamples[0]).toMatchObject({
      key: 'p1',
      historyIds: [herd],
      detail: { calls: 2, bound: 1 },
    })
    expect(result.stats).toMatchObject({ herds: 1, herdReads: 50, herdsExercised: 1, overBound: 1 })
  })

  test('each invalidation (an ok or info write) and a warm-up read before the first herd allow one more load; a failed write does not', () => {
    const h = new HistoryBuilder()
    h.read('p1', 1, 0, 5) // warm-up: +1
    h.write('p1', 2, 10, 20) // +1
    h.op({ op: 'delete-product', key: 'p1', at: 30, until: 40, type: 'info' }) // +1
    h.op({ op: 'write-product', key: 'p1', at: 50, until: 60, type: 'fail' }) // +0
    herdOn(h, 'p1', 100, 5)
    herdOn(h, 'p1', 2000, 5)
    expect(checkHerd(h.events(), { cache: { loaderCalls: { p1: 5 } } }).verdict).toBe('valid')
    const over = checkHerd(h.events(), { cache: { loaderCalls: { p1: 6 } } })
    expect(over.verdict).toBe('invalid')
    expect(over.counterexamples[0]!.detail).toMatchObject({
      bound: 5,
      herds: 2,
      invalidations: 2,
      warmUp: 1,
    })
    expect(
      checkHerd(h.events(), { cache: { loaderCalls: { p1: 6 } } }, { extraLoadsPerKey: 1 }).verdict,
    ).toBe('valid')
  })

  test('reads of read-products count, and keys without a herd are not checked', () => {
    const h = new HistoryBuilder()
    h.fault('herd', 'p1', 0, 100)
    for (let i = 0; i < 3; i++)
      h.op({
        op: 'read-products',
        at: 10,
        until: 50,
        process: i,
        input: { ids: ['p1', 'p2'] },
        type: 'info',
      })
    const result = checkHerd(h.events(), { cache: { loaderCalls: { p1: 1, p2: 40 } } })
    expect(result.verdict).toBe('valid')
    expect(result.stats.herdReads).toBe(3)
  })

  test('a herd window left open by the history still bounds its key', () => {
    const h = new HistoryBuilder()
    h.fault('herd', 'p1', 0, undefined, { key: 'p1' })
    h.read('p1', 1, 10, 20)
    h.read('p1', 1, 11, 21, { process: 2 })
    expect(checkHerd(h.events(), { cache: { loaderCalls: { p1: 2 } } }).verdict).toBe('invalid')
  })

  describe('unknown, never valid', () => {
    test('without the cache part of the snapshot, with the adapter reason', () => {
      const h = new HistoryBuilder()
      herdOn(h, 'p1', 0, 5)
      const result = checkHerd(h.events(), { unavailable: { cache: '/metrics unreachable' } })
      expect(result.verdict).toBe('unknown')
      expect(result.summary).toContain('/metrics unreachable')
    })

    test('without a herd window', () => {
      const h = new HistoryBuilder()
      h.read('p1', 1, 0, 5)
      expect(checkHerd(h.events(), { cache: { loaderCalls: { p1: 1 } } }).verdict).toBe('unknown')
    })

    test('without a count for a herd key', () => {
      const h = new HistoryBuilder()
      herdOn(h, 'p1', 0, 5)
      const result = checkHerd(h.events(), { cache: { loaderCalls: { p9: 1 } } })
      expect(result.verdict).toBe('unknown')
      expect(result.summary).toContain('no loader-call count for cold key p1')
    })

    test('with zero loader calls (the key was never cold)', () => {
      const h = new HistoryBuilder()
      herdOn(h, 'p1', 0, 5)
      expect(checkHerd(h.events(), { cache: { loaderCalls: { p1: 0 } } }).verdict).toBe('unknown')
    })

    test('when no herd window saw enough reads to be a herd', () => {
      const h = new HistoryBuilder()
      herdOn(h, 'p1', 0, 1)
      const result = checkHerd(h.events(), { cache: { loaderCalls: { p1: 1 } } })
      expect(result.verdict).toBe('unknown')
      expect(result.summary).toContain('no herd window saw 2 or more reads')
    })

    test('when a herd end has no start', () => {
      const h = new HistoryBuilder()
      herdOn(h, 'p1', 0, 5)
      h.push({ type: 'fault', phase: 'end', id: 5, time: 9, fault: 'herd', target: 'p1' })
      expect(checkHerd(h.events(), { cache: { loaderCalls: { p1: 1 } } }).verdict).toBe('unknown')
    })
  })

  const herdsArb = fc.array(
    fc.record({
      key: fc.integer({ min: 0, max: 4 }),
      reads: fc.integer({ min: 2, max: 30 }),
      writes: fc.integer({ min: 0, max: 2 }),
    }),
    { minLength: 1, maxLength: 12 },
  )

  /** Herds in sequence, each after its writes; returns the history and each key's bound. */
  function build(herds: { key: number; reads: number; writes: number }[]) {
    const h = new HistoryBuilder()
    const bounds: Record<string, number> = {}
    herds.forEach((herd, i) => {
      const key = `p${herd.key}`
      for (let w = 0; w < herd.writes; w++)
        h.write(key, i * 10 + w + 1, i * 10_000 + w * 10, i * 10_000 + w * 10 + 5)
      herdOn(h, key, i * 10_000 + 100, herd.reads)
      bounds[key] = (bounds[key] ?? 0) + 1 + herd.writes
    })
    return { events: h.events(), bounds }
  }

  test('generated herds within the bound are valid; one key over it is invalid and named (200 runs)', () => {
    fc.assert(
      fc.property(
        herdsArb,
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.nat(),
        (herds, share, pick) => {
          const { events, bounds } = build(herds)
          const keys = Object.keys(bounds)
          const within = Object.fromEntries(
            keys.map((k) => [k, Math.max(1, Math.round(bounds[k]! * share))]),
          )
          expect(checkHerd(events, { cache: { loaderCalls: within } }).verdict).toBe('valid')
          const victim = keys[pick % keys.length]!
          const over = { ...within, [victim]: bounds[victim]! + 1 + (pick % 5) }
          const result = checkHerd(events, { cache: { loaderCalls: over } })
          expect(result.verdict).toBe('invalid')
          expect(result.counterexamples.map((c) => c.key)).toEqual([victim])
        },
      ),
      { numRuns: 200 },
    )
  })
})
