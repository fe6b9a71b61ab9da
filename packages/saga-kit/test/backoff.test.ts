import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { rejectStep } from '@faultline/saga-kit'
import { decodeCommand, decodeReply } from '@faultline/saga-kit/testing'
import { backoffDelayMs, DEFAULT_RETRY } from '../src/core/backoff.js'
import { toErrorRecord } from '../src/errors.js'

describe('backoffDelayMs', () => {
  test('grows exponentially, stays within [base*(1-jitter), base] and never exceeds maxDelayMs', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.double({ min: 0, max: 0.999, noNaN: true }),
        (attempt, index) => {
          const policy = { ...DEFAULT_RETRY, initialDelayMs: 100, maxDelayMs: 5_000, jitter: 0.5 }
          const base = Math.min(5_000, 100 * 2 ** (attempt - 1))
          const count = backoffDelayMs(policy, attempt, () => index)
          expect(count).toBeGreaterThanOrEqual(Math.floor(base * 0.5))
          expect(count).toBeLessThanOrEqual(base)
        },
      ),
    )
    expect(backoffDelayMs({ ...DEFAULT_RETRY, jitter: 0 }, 3)).toBe(400)
  })
})

describe('message codec', () => {
  test('names every problem of a malformed command or reply', () => {
    const message = (body: unknown) => ({ id: 'i', key: 'k', type: 't', body, headers: {} })
    expect(decodeCommand(message(null))).toBe('command body is not an object')
    expect(decodeCommand(message({ sagaId: 's' }))).toMatch(
      /sagaName must be.*stepId must be.*direction must be.*attempt must be.*replyTo must be/,
    )
    const reply = {
      sagaId: 's',
      sagaName: 'n',
      stepId: 'a',
      idempotencyKey: 's:a',
      direction: 'invoke',
      attempt: 1,
    }
    expect(decodeReply(message({ ...reply, outcome: 'failed' }))).toBe(
      'a failed reply needs an error object',
    )
    expect(decodeReply(message({ ...reply, outcome: 'ok' }))).toMatchObject({ sagaId: 's' })
  })

  test('toErrorRecord: unknown errors are transient, rejectStep is final', () => {
    expect(toErrorRecord(new Error('x'))).toEqual({ message: 'x', retryable: true })
    expect(toErrorRecord(rejectStep('no stock'))).toEqual({
      message: 'no stock',
      code: 'E_SAGA_STEP_REJECTED',
      retryable: false,
    })
    expect(toErrorRecord('plain')).toEqual({ message: 'plain', retryable: true })
  })
})
