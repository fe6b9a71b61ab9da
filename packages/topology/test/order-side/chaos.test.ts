import { describe, expect, test } from 'vitest'
import { Chaos, NO_CHAOS } from '../../src/services/payments/chaos.js'

/** Lets pending promise callbacks run, without waiting on a clock. */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 10; turn += 1) await Promise.resolve()
}

describe('Chaos (payments knobs)', () => {
  test('declines() follows the seed and the failure rate', () => {
    const draws = (seed: number, failureRate: number) => {
      const chaos = new Chaos({ ...NO_CHAOS, failureRate }, seed)
      return Array.from({ length: 200 }, () => chaos.declines())
    }
    expect(draws(7, 0.3)).toEqual(draws(7, 0.3))
    expect(draws(7, 0.3)).not.toEqual(draws(8, 0.3))
    expect(draws(7, 0).some(Boolean)).toBe(false)
    expect(draws(7, 1).every(Boolean)).toBe(true)
    const share = draws(11, 0.3).filter(Boolean).length / 200
    expect(share).toBeGreaterThan(0.15)
    expect(share).toBeLessThan(0.45)
  })

  test('disturb() waits while hang is on and resumes as soon as it is turned off', async () => {
    const chaos = new Chaos({ ...NO_CHAOS, hang: true }, 1)
    let resumed = false
    const waiting = chaos.disturb().then(() => (resumed = true))
    await settle()
    expect(resumed).toBe(false)
    chaos.update({ failureRate: 0.5 })
    await settle()
    expect(resumed).toBe(false)
    expect(chaos.update({ hang: false })).toEqual({ failureRate: 0.5, latencyMs: 0, hang: false })
    await waiting
    expect(resumed).toBe(true)
  })

  test('close() fails hung commands so a shutdown can drain', async () => {
    const chaos = new Chaos({ ...NO_CHAOS, hang: true }, 1)
    const waiting = chaos.disturb()
    chaos.close()
    await expect(waiting).rejects.toThrow(/shut down/)
    // A redelivered command after close() fails at once instead of hanging again.
    await expect(chaos.disturb()).rejects.toThrow(/shut down/)
  })
})
