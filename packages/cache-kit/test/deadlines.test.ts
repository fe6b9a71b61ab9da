import { describe, expect, test, vi } from 'vitest'
import { Deadlines } from '../src/deadlines.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
/** Waits for a condition; generous, since a busy machine only delays timers. */
const waitFor = (check: () => void) => vi.waitFor(check, { timeout: 30_000, interval: 5 })

/**
 * Timers never fire early, however loaded the machine, so these tests assert lower bounds and
 * order, and wait for expiries as conditions instead of expecting them at a given time.
 */
describe('Deadlines (the store guard timeouts on one timer)', () => {
  test('expires only unsettled calls, in order, each no earlier than its own deadline', async () => {
    const deadlines = new Deadlines(30)
    const expired: string[] = []
    const at: Record<string, number> = {}
    const start = performance.now()
    const first = deadlines.add(
      () => ((at.first = performance.now() - start), expired.push('first')),
    )
    const settled = deadlines.add(() => expired.push('settled'))
    await sleep(15)
    const addedAt = performance.now() - start
    const third = deadlines.add(
      () => ((at.third = performance.now() - start), expired.push('third')),
    )
    deadlines.settle(settled)
    await waitFor(() => expect(expired).toStrictEqual(['first', 'third']))
    expect(at.first).toBeGreaterThanOrEqual(29)
    expect(at.third).toBeGreaterThanOrEqual(addedAt + 29)
    expect([first.settled, settled.settled, third.settled]).toStrictEqual([true, true, true])
  })

  test('settling every call expires nothing, and settling twice is harmless', async () => {
    const deadlines = new Deadlines(10)
    const expired: number[] = []
    const calls = Array.from({ length: 100 }, (_, index) =>
      deadlines.add(() => expired.push(index)),
    )
    for (const call of calls) deadlines.settle(call)
    deadlines.settle(calls[0]!)
    const late = deadlines.add(() => expired.push(-1))
    await waitFor(() => expect(late.settled).toBe(true))
    // The late call's deadline is after every settled one's, so any wrong expiry came first.
    expect(expired).toStrictEqual([-1])
  })

  test('a call added while the idle timer is still armed expires at its own deadline', async () => {
    const deadlines = new Deadlines(20)
    deadlines.settle(deadlines.add(() => expect.unreachable('settled calls never expire')))
    await sleep(10)
    const start = performance.now()
    let expiredAfter = -1
    deadlines.add(() => (expiredAfter = performance.now() - start))
    await waitFor(() => expect(expiredAfter).toBeGreaterThanOrEqual(0))
    // The idle timer was due about 10 ms in; the call must not expire with it.
    expect(expiredAfter).toBeGreaterThanOrEqual(19)
  })
})
