import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { ChunkSizer } from '../../src/consumer/chunk-sizer.js'

describe('ChunkSizer', () => {
  test('starts small, then sizes chunks to the target from the measured time per event', () => {
    const sizer = new ChunkSizer(50, 20)
    expect(sizer.next()).toBe(4)
    sizer.record(4, 40) // 10 ms per event
    expect(sizer.next()).toBe(2)
    for (let i = 0; i < 30; i++) sizer.record(10, 1) // 0.1 ms per event
    expect(sizer.next()).toBe(50)
  })

  test('Infinity turns sizing off; nonsense measurements are ignored', () => {
    expect(new ChunkSizer(50, Infinity).next()).toBe(50)
    const sizer = new ChunkSizer(50, 20)
    sizer.record(0, 10)
    sizer.record(3, Number.NaN)
    expect(sizer.next()).toBe(4)
  })

  test('property: the size is always an integer from 1 to max', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.double({ min: 0.001, max: 1e6, noNaN: true }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.double({ min: 0, max: 1e7 }))),
        (max, target, records) => {
          const sizer = new ChunkSizer(max, target)
          for (const [n, ms] of records) {
            sizer.record(n, ms)
            const size = sizer.next()
            expect(Number.isInteger(size) && size >= 1 && size <= max).toBe(true)
          }
        },
      ),
    )
  })
})
