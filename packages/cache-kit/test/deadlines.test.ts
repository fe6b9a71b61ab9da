import { describe, expect, test } from 'vitest'
import { Deadlines } from '../src/deadlines.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('Deadlines (the store guard timeouts on one timer)', () => {
  test('expires only unsettled calls, each no earlier than its own deadline', async () => {
    const d = new Deadlines(30)
    const expired: string[] = []
    const at: Record<string, number> = {}
    const start = performance.now()
    const a = d.add(() => ((at.a = performance.now() - start), expired.push('a')))
    const b = d.add(() => expired.push('b'))
    await sleep(15)
    const c = d.add(() => ((at.c = performance.now() - start), expired.push('c')))
    d.settle(b)
    await sleep(25)
    expect(expired).toStrictEqual(['a'])
    await sleep(30)
    expect(expired).toStrictEqual(['a', 'c'])
    expect(at.a).toBeGreaterThanOrEqual(29)
    expect(at.c).toBeGreaterThanOrEqual(44)
    expect([a.settled, b.settled, c.settled]).toStrictEqual([true, true, true])
  })

  test('settling every call expires nothing, and settling twice is harmless', async () => {
    const d = new Deadlines(10)
    const expired: number[] = []
    const calls = Array.from({ length: 100 }, (_, i) => d.add(() => expired.push(i)))
    for (const call of calls) d.settle(call)
    d.settle(calls[0]!)
    const late = d.add(() => expired.push(-1))
    await sleep(30)
    expect(expired).toStrictEqual([-1])
    expect(late.settled).toBe(true)
  })

  test('a call added while the idle timer is still armed expires at its own deadline', async () => {
    const d = new Deadlines(20)
    d.settle(d.add(() => expect.unreachable('settled calls never expire')))
    await sleep(10)
    const start = performance.now()
    let expiredAfter = -1
    d.add(() => (expiredAfter = performance.now() - start))
    await sleep(15)
    expect(expiredAfter).toBe(-1)
    await sleep(30)
    expect(expiredAfter).toBeGreaterThanOrEqual(19)
  })
})
