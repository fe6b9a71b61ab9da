import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { PendingRows, type PendingRow } from '../src/relay/pending-rows.js'

const row = fc.record({
  commitMicros: fc.integer({ min: 0, max: 50 }),
  xid: fc.integer({ min: 1, max: 50 }),
  position: fc.integer({ min: 1, max: 1_000_000 }),
})
const byCommitOrder = (a: PendingRow, b: PendingRow) =>
  a.commitMicros - b.commitMicros || a.xid - b.xid || a.position - b.position

describe('PendingRows', () => {
  test('each take is the oldest rows before the fence, in commit order, whatever the add order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uniqueArray(row, { selector: (r) => r.position, maxLength: 20 }), {
          maxLength: 10,
        }),
        fc.integer({ min: 1, max: 7 }),
        fc.option(fc.integer({ min: 0, max: 60 }), { nil: null }),
        (chunks, batch, fence) => {
          const pending = new PendingRows()
          let model: PendingRow[] = []
          const take = () => {
            const expected = model
              .filter((r) => fence === null || r.commitMicros < fence)
              .sort(byCommitOrder)
              .slice(0, batch)
            const taken = pending.peek(batch, fence)
            expect(taken).toEqual(expected)
            pending.shift(taken.length)
            model = model.filter((r) => !taken.includes(r))
            return taken.length
          }
          let next = 1
          for (const chunk of chunks) {
            // Positions are unique across the whole run, as in an outbox table.
            const fresh = chunk.map((r) => ({ ...r, position: next++ }))
            pending.add(fresh)
            model.push(...fresh)
            take()
          }
          while (take() > 0);
          expect(pending.size).toBe(model.length)
          expect(model.every((r) => fence !== null && r.commitMicros >= fence)).toBe(true)
        },
      ),
    )
  })

  test('minXid is the oldest waiting transaction', () => {
    const pending = new PendingRows()
    pending.add([
      { commitMicros: 5, xid: 9, position: 1 },
      { commitMicros: 1, xid: 12, position: 2 },
      { commitMicros: 3, xid: 7, position: 3 },
    ])
    expect(pending.minXid()).toBe(7)
    pending.shift(2)
    expect(pending.minXid()).toBe(9)
    pending.shift(1)
    expect(pending.minXid()).toBeUndefined()
  })
})
