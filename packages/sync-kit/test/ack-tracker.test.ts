import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { AckTracker } from '../src/relay/ack-tracker.js'

/**
 * Model: transactions with end LSNs 1..n, each with some events, acknowledged in any order.
 * The watermark must always equal the end LSN of the longest fully acknowledged prefix.
 */
describe('AckTracker', () => {
  test('the watermark is always the contiguous durable prefix, never past an unacked event', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 30 }),
        fc.infiniteStream(fc.nat()),
        (sizes, picks) => {
          const t = new AckTracker(0n)
          const handles = sizes.map((n, i) => t.add(BigInt(i + 1) * 100n, n))
          const outstanding = sizes.flatMap((n, i) => Array.from({ length: n }, () => i))
          const left = [...sizes]
          const it = picks[Symbol.iterator]()
          while (outstanding.length > 0) {
            const k = it.next().value % outstanding.length
            const tx = outstanding.splice(k, 1)[0]!
            handles[tx]!.ack()
            left[tx]!--
            const prefix = left.findIndex((x) => x > 0)
            const done = prefix === -1 ? left.length : prefix
            expect(t.watermark).toBe(BigInt(done) * 100n)
          }
          expect(t.pendingTransactions).toBe(0)
        },
      ),
    )
  })

  test('keeps the contiguous prefix across thousands of transactions (the done prefix is dropped as it goes)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1025, max: 6000 }),
        fc.integer({ min: 1, max: 500 }),
        (count, window) => {
          const t = new AckTracker(0n)
          const handles = Array.from({ length: count }, (_, i) => t.add(BigInt(i + 1), 1))
          // Acks arrive newest-first inside each window of `window` transactions.
          for (let start = 0; start < count; start += window) {
            const end = Math.min(count, start + window)
            for (let i = end - 1; i >= start; i--) {
              handles[i]!.ack()
              expect(t.watermark).toBe(i === start ? BigInt(end) : BigInt(start))
            }
            expect(t.pendingTransactions).toBe(count - end)
          }
        },
      ),
      { numRuns: 12 },
    )
  })

  test('an ack-on-receipt watermark would run ahead of the durable one (the hazard)', () => {
    const t = new AckTracker(0n)
    const a = t.add(100n, 1)
    t.add(200n, 1).ack()
    const receivedUpTo = 200n
    expect(t.watermark).toBe(0n)
    expect(receivedUpTo > t.watermark).toBe(true)
    a.ack()
    expect(t.watermark).toBe(200n)
  })

  test('idleAt() moves only when nothing is pending; extra acks are ignored', () => {
    const t = new AckTracker(50n)
    const h = t.add(100n, 1)
    t.idleAt(500n)
    expect(t.watermark).toBe(50n)
    h.ack()
    h.ack()
    expect(t.watermark).toBe(100n)
    t.idleAt(500n)
    expect(t.watermark).toBe(500n)
    t.idleAt(400n)
    expect(t.watermark).toBe(500n)
  })
})
