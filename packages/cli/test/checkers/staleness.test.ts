import { describe, expect, test } from 'vitest'
import { checkStaleness } from '../../src/checkers/functions.js'
import { HistoryBuilder } from './support/history.js'

const W = { windowMs: 100 } // 100 ms = 100_000 µs
const MS = 1000

describe('staleness checker', () => {
  test('a read that began after a write was acknowledged (beyond the window) and returned the older version is invalid', () => {
    const h = new HistoryBuilder()
    h.write('p1', 1, 0, 10 * MS)
    const w2 = h.write('p1', 2, 20 * MS, 30 * MS)
    const r = h.read('p1', 1, 300 * MS, 310 * MS)
    const result = checkStaleness(h.events(), {}, W)
    expect(result.verdict).toBe('invalid')
    expect(result.stats.stale).toBe(1)
    expect(result.counterexamples[0]).toMatchObject({
      key: 'p1',
      historyIds: [r, w2],
      detail: { readVersion: 1, requiredVersion: 2, viaToken: false },
    })
    expect(result.counterexamples[0]!.message).toContain('returned version 1')
  })

  test('a read within the window after the acknowledgement may return the older version', () => {
    const h = new HistoryBuilder()
    h.write('p1', 1, 0, 10 * MS)
    h.write('p1', 2, 20 * MS, 30 * MS)
    h.read('p1', 1, 120 * MS, 130 * MS) // began 90 ms after the ack: inside 100 ms
    const result = checkStaleness(h.events(), {}, W)
    expect(result.verdict).toBe('valid')
    expect(result.stats.olderWithinWindow).toBe(1)
    // The same read with a zero window is stale.
    expect(checkStaleness(h.events(), {}, { windowMs: 0 }).verdict).toBe('invalid')
  })

  test('a read holding the token of a write gets zero window for that write', () => {
    const h = new HistoryBuilder()
    h.write('p1', 1, 0, 10 * MS, 1)
    const w2 = h.write('p1', 2, 20 * MS, 30 * MS, 1)
    const r = h.read('p1', 1, 31 * MS, 40 * MS, { process: 1, token: `tok-${w2}` })
    const result = checkStaleness(h.events(), {}, W)
    expect(result.verdict).toBe('invalid')
    expect(result.stats.staleWithToken).toBe(1)
    expect(result.counterexamples[0]).toMatchObject({
      historyIds: [r, w2],
      detail: { viaToken: true },
    })
    expect(result.counterexamples[0]!.message).toContain('held the token')
  })

  test('a token read that sees its write is valid, and a token binds only its own key', () => {
    const h = new HistoryBuilder()
    const w1 = h.write('p1', 1, 0, 10 * MS)
    h.write('p2', 5, 0, 10 * MS)
    h.read('p1', 1, 11 * MS, 12 * MS, { token: `tok-${w1}` })
    h.read('p2', 4, 11 * MS, 12 * MS, { token: `tok-${w1}` }) // within the window for p2's write
    const result = checkStaleness(h.events(), {}, W)
    expect(result.verdict).toBe('valid')
    expect(result.stats.tokensForOtherKeys).toBe(1)
  })

  test('tokenCoversAllWrites gives a token read zero window for every write', () => {
    const h = new HistoryBuilder()
    const w1 = h.write('p1', 1, 0, 10 * MS, 1)
    h.write('p1', 2, 11 * MS, 20 * MS, 2)
    h.read('p1', 1, 21 * MS, 22 * MS, { token: `tok-${w1}` })
    expect(checkStaleness(h.events(), {}, W).verdict).toBe('valid')
    expect(checkStaleness(h.events(), {}, { ...W, tokenCoversAllWrites: true }).verdict).toBe(
      'invalid',
    )
  })

  test('a write whose outcome is unknown (info) may or may not be seen', () => {
    const h = new HistoryBuilder()
    h.write('p1', 1, 0, 10 * MS)
    h.op({
      op: 'write-product',
      key: 'p1',
      at: 20 * MS,
      until: 30 * MS,
      type: 'info',
      output: undefined,
    })
    h.read('p1', 2, 500 * MS, 510 * MS) // saw it
    h.read('p1', 1, 600 * MS, 610 * MS, { process: 2 }) // did not: it cannot be required
    expect(checkStaleness(h.events(), {}, W).verdict).toBe('valid')
  })

  test('an operation never completed counts as info', () => {
    const h = new HistoryBuilder()
    h.write('p1', 1, 0, 10 * MS)
    h.push({
      type: 'invoke',
      id: 99,
      process: 9,
      time: 20 * MS,
      op: 'write-product',
      workload: 'w',
      key: 'p1',
    })
    h.read('p1', 1, 600 * MS, 610 * MS)
    expect(checkStaleness(h.events(), {}, W).verdict).toBe('valid')
  })

  test('failed writes bind nothing', () => {
    const h = new HistoryBuilder()
    h.write('p1', 1, 0, 10 * MS)
    h.op({
      op: 'write-product',
      key: 'p1',
      at: 20 * MS,
      until: 30 * MS,
      type: 'fail',
      output: { version: 2 },
    })
    h.read('p1', 1, 600 * MS, 610 * MS)
    expect(checkStaleness(h.events(), {}, W).verdict).toBe('valid')
  })

  describe('deletes', () => {
    test('a read after an acknowledged delete that returns the old version is stale', () => {
      const h = new HistoryBuilder()
      h.write('p1', 1, 0, 10 * MS)
      const d = h.remove('p1', 2, 20 * MS, 30 * MS)
      const r = h.read('p1', 1, 500 * MS, 510 * MS)
      const result = checkStaleness(h.events(), {}, W)
      expect(result.verdict).toBe('invalid')
      expect(result.counterexamples[0]).toMatchObject({
        historyIds: [r, d],
        detail: { requiredByDelete: true },
      })
    })

    test('not-found after an acknowledged delete is right; a newer write after it is right too', () => {
      const h = new HistoryBuilder()
      h.write('p1', 1, 0, 10 * MS)
      h.remove('p1', 2, 20 * MS, 30 * MS)
      h.read('p1', null, 500 * MS, 510 * MS)
      h.write('p1', 3, 600 * MS, 610 * MS)
      h.read('p1', 3, 900 * MS, 910 * MS)
      expect(checkStaleness(h.events(), {}, W).verdict).toBe('valid')
    })

    test('not-found after an acknowledged write with no delete is stale', () => {
      const h = new HistoryBuilder()
      const w = h.write('p1', 1, 0, 10 * MS)
      const r = h.read('p1', null, 500 * MS, 510 * MS)
      const result = checkStaleness(h.events(), {}, W)
      expect(result.verdict).toBe('invalid')
      expect(result.counterexamples[0]).toMatchObject({ historyIds: [r, w] })
      expect(result.counterexamples[0]!.message).toContain('returned not-found')
    })

    test('not-found is explained by a delete that began before the read returned, even unacknowledged', () => {
      const h = new HistoryBuilder()
      h.write('p1', 1, 0, 10 * MS)
      h.op({ op: 'delete-product', key: 'p1', at: 505 * MS, until: 900 * MS, type: 'info' })
      h.read('p1', null, 500 * MS, 510 * MS)
      expect(checkStaleness(h.events(), {}, W).verdict).toBe('valid')
    })

    test('a delete that began at the instant the read returned explains not-found (the clock cannot order them)', () => {
      const h = new HistoryBuilder()
      h.write('p1', 1, 0, 10 * MS)
      h.read('p1', null, 500 * MS, 510 * MS)
      h.op({ op: 'delete-product', key: 'p1', at: 510 * MS, until: 900 * MS, type: 'info' })
      expect(checkStaleness(h.events(), {}, W).verdict).toBe('valid')
    })

    test('a delete that began after the read returned does not explain not-found', () => {
      const h = new HistoryBuilder()
      h.write('p1', 1, 0, 10 * MS)
      h.read('p1', null, 500 * MS, 510 * MS)
      h.op({ op: 'delete-product', key: 'p1', at: 520 * MS, until: 900 * MS, type: 'info' })
      expect(checkStaleness(h.events(), {}, W).verdict).toBe('invalid')
    })

    test('not-found before any write is right', () => {
      const h = new HistoryBuilder()
      h.read('p1', null, 0, 10 * MS)
      h.write('p1', 1, 20 * MS, 30 * MS)
      expect(checkStaleness(h.events(), {}, W).verdict).toBe('valid')
    })
  })

  test('read-products checks every id it returned', () => {
    const h = new HistoryBuilder()
    const w = h.write('p2', 3, 0, 10 * MS)
    const r = h.op({
      op: 'read-products',
      at: 500 * MS,
      until: 510 * MS,
      input: { ids: ['p1', 'p2'] },
      output: { versions: { p1: null, p2: 2 } },
    })
    const result = checkStaleness(h.events(), {}, W)
    expect(result.verdict).toBe('invalid')
    expect(result.counterexamples[0]).toMatchObject({ key: 'p2', historyIds: [r, w] })
  })

  test('monotonicReads: a process whose reads go backwards is invalid only when asked', () => {
    const h = new HistoryBuilder()
    h.op({ op: 'write-product', key: 'p1', at: 0, until: 1000 * MS, type: 'info' })
    h.write('p1', 1, 0, 5 * MS, 3)
    const r1 = h.read('p1', 2, 10 * MS, 20 * MS, { process: 1 })
    const r2 = h.read('p1', 1, 30 * MS, 40 * MS, { process: 1 })
    expect(checkStaleness(h.events(), {}, W).verdict).toBe('valid')
    const result = checkStaleness(h.events(), {}, { ...W, monotonicReads: true })
    expect(result.verdict).toBe('invalid')
    expect(result.stats.nonMonotonic).toBe(1)
    expect(result.counterexamples[0]).toMatchObject({ historyIds: [r1, r2] })
  })

  test('monotonicReads: different processes may disagree', () => {
    const h = new HistoryBuilder()
    h.op({ op: 'write-product', key: 'p1', at: 0, until: 1000 * MS, type: 'info' })
    h.write('p1', 1, 0, 5 * MS, 3)
    h.read('p1', 2, 10 * MS, 20 * MS, { process: 1 })
    h.read('p1', 1, 30 * MS, 40 * MS, { process: 2 })
    expect(checkStaleness(h.events(), {}, { ...W, monotonicReads: true }).verdict).toBe('valid')
  })

  describe('unknown, never valid, when it cannot decide', () => {
    test('no reads', () => {
      const h = new HistoryBuilder()
      h.write('p1', 1, 0, 10)
      const result = checkStaleness(h.events())
      expect(result.verdict).toBe('unknown')
      expect(result.summary).toContain('no successful product reads')
    })

    test('no acknowledged writes', () => {
      const h = new HistoryBuilder()
      h.read('p1', 1, 0, 10)
      expect(checkStaleness(h.events()).verdict).toBe('unknown')
    })

    test('an empty history', () => {
      expect(checkStaleness([]).verdict).toBe('unknown')
    })

    test('a token no write returned', () => {
      const h = new HistoryBuilder()
      h.write('p1', 1, 0, 10)
      h.read('p1', 1, 20, 30, { token: 'tok-from-nowhere' })
      const result = checkStaleness(h.events())
      expect(result.verdict).toBe('unknown')
      expect(result.summary).toContain('token no acknowledged write returned')
    })

    test('a malformed history (a completion without an invoke)', () => {
      const h = new HistoryBuilder()
      h.write('p1', 1, 0, 10)
      h.read('p1', 1, 20, 30)
      h.push({
        type: 'ok',
        id: 77,
        process: 1,
        time: 40,
        op: 'read-product',
        key: 'p1',
        value: { version: 1 },
      })
      const result = checkStaleness(h.events())
      expect(result.verdict).toBe('unknown')
      expect(result.summary).toContain('without an open invoke (first at id 77)')
    })

    test('a read without a numeric version', () => {
      const h = new HistoryBuilder()
      h.write('p1', 1, 0, 10)
      h.read('p1', 1, 20, 30)
      h.op({ op: 'read-product', key: 'p1', at: 40, until: 50, output: { version: 'one' } })
      expect(checkStaleness(h.events()).verdict).toBe('unknown')
    })

    test('but a violation still makes it invalid', () => {
      const h = new HistoryBuilder()
      h.write('p1', 2, 0, 10)
      h.read('p1', 1, 2000 * MS, 2001 * MS)
      h.read('p1', 2, 20, 30, { token: 'tok-from-nowhere' })
      expect(checkStaleness(h.events()).verdict).toBe('invalid')
    })
  })
})
