import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { startWaves } from '../src/supervisor/dependency-order.js'
import { nextRestartDelay, resolveRestartPolicy } from '../src/supervisor/restart-policy.js'

describe('nextRestartDelay()', () => {
  test('never restarts more than maxRestarts times in any window, and waits at most maxBackoffMs', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.array(fc.integer({ min: 1, max: 5_000 }), { maxLength: 40 }),
        (maxRestarts, windowMs, gaps) => {
          const policy = resolveRestartPolicy('s', { restart: 'on-crash', maxRestarts, windowMs })
          const restarts: number[] = []
          let now = 0
          for (const gap of gaps) {
            now += gap
            const delay = nextRestartDelay(policy, restarts, now)
            if (delay === undefined) continue
            expect(delay).toBeLessThanOrEqual(policy.maxBackoffMs)
            restarts.push(now)
            const inWindow = restarts.filter((at) => now - at < windowMs).length
            expect(inWindow).toBeLessThanOrEqual(maxRestarts)
          }
        },
      ),
    )
  })

  test('doubles from initialBackoffMs, and never restarts under the default policy', () => {
    const policy = resolveRestartPolicy('s', { restart: 'on-crash', initialBackoffMs: 100 })
    expect([0, 1, 2, 3].map((n) => nextRestartDelay(policy, Array(n).fill(0), 1))).toEqual([
      100, 200, 400, 800,
    ])
    expect(nextRestartDelay(resolveRestartPolicy('s'), [], 0)).toBeUndefined()
    expect(() => resolveRestartPolicy('s', { maxRestarts: -1 })).toThrow(
      /restartPolicy.maxRestarts/,
    )
  })
})

describe('startWaves()', () => {
  test('orders by dependency and starts independent services together', () => {
    const waves = startWaves([
      { name: 'orders', dependsOn: ['auth', 'inventory'] },
      { name: 'auth' },
      { name: 'inventory', dependsOn: ['auth'] },
      { name: 'search' },
    ])
    expect(waves).toEqual([['auth', 'search'], ['inventory'], ['orders']])
  })

  test('names a cycle and an unknown dependency', () => {
    expect(() =>
      startWaves([
        { name: 'a', dependsOn: ['b'] },
        { name: 'b', dependsOn: ['a'] },
      ]),
    ).toThrow(/cycle: a, b/)
    expect(() => startWaves([{ name: 'a', dependsOn: ['x'] }])).toThrow(/a depends on "x"/)
  })
})
