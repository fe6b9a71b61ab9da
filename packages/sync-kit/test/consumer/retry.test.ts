import { describe, expect, test } from 'vitest'
import {
  MAX_CONFLICT_RUNS,
  isConflict,
  retrying,
  type RetryPolicy,
} from '../../src/consumer/retry.js'

function policy(calls: string[]): RetryPolicy {
  return {
    maxAttempts: 1,
    backoffBaseMs: 10,
    backoffMaxMs: 100,
    sleep: (ms) => {
      calls.push(`sleep ${ms >= 5 && ms <= 100 ? 'ok' : ms}`)
      return Promise.resolve()
    },
    stopping: () => false,
    isUnavailable: () => false,
    onUnavailable: () => calls.push('unavailable'),
    onConflict: () => calls.push('conflict'),
    onRetry: () => calls.push('retry'),
  }
}

describe('retrying', () => {
  test('runs a transaction Postgres aborted for a concurrent one again, without using an attempt', async () => {
    const calls: string[] = []
    let n = 0
    const res = await retrying(policy(calls), () => {
      if (++n <= 2)
        throw Object.assign(new Error('deadlock detected'), { code: n === 1 ? '40P01' : '40001' })
      return Promise.resolve('done')
    })
    expect(res).toEqual({ ok: true, value: 'done' })
    expect(calls).toEqual(['conflict', 'sleep ok', 'conflict', 'sleep ok'])
  })

  test('a step that conflicts every time still fails, after MAX_CONFLICT_RUNS runs', async () => {
    const calls: string[] = []
    let runs = 0
    const err = Object.assign(new Error('could not serialize access'), { code: '40001' })
    const res = await retrying(policy(calls), () => {
      runs++
      return Promise.reject(err)
    })
    expect(res).toEqual({ ok: false, error: err, attempts: 1 })
    expect(runs).toBe(MAX_CONFLICT_RUNS + 1)
    expect(calls.filter((c) => c === 'conflict')).toHaveLength(MAX_CONFLICT_RUNS)
  })

  test('any other failure uses the attempts up', async () => {
    const calls: string[] = []
    const err = Object.assign(new Error('unique violation'), { code: '23505' })
    const res = await retrying(policy(calls), () => Promise.reject(err))
    expect(res).toEqual({ ok: false, error: err, attempts: 1 })
    expect(calls).toEqual([])
    expect(isConflict(err)).toBe(false)
    expect(isConflict(null)).toBe(false)
  })
})
