import { describe, expect, test } from 'vitest'
import { command, defineSaga, isSagaKitError, SagaKitError } from '@faultline/saga-kit'

const noop = (): void => {}
const expectInvalid = (fn: () => unknown, text: string): void => {
  let caught: unknown
  try {
    fn()
  } catch (error) {
    caught = error
  }
  expect(isSagaKitError(caught)).toBe(true)
  expect((caught as SagaKitError).code).toBe('E_SAGA_INVALID_DEFINITION')
  expect((caught as SagaKitError).message).toContain(text)
}

describe('defineSaga', () => {
  test('builds groups in order, with parallel steps under explicit ids', () => {
    const saga = defineSaga<{ id: string }>('order')
      .step('a', { invoke: noop, compensate: noop })
      .parallel([
        { id: 'b1', invoke: command('inventory', 'inventory.reserve') },
        { id: 'b2', invoke: noop },
      ])
      .step('p', { kind: 'pivot', invoke: noop })
      .step('r', { kind: 'retriable', invoke: noop, retry: { maxAttempts: 10 } })
    expect(saga.groups.map((group) => group.id)).toEqual(['a', 'b1+b2', 'p', 'r'])
    expect(saga.kinds).toEqual([
      'compensatable',
      'compensatable',
      'compensatable',
      'pivot',
      'retriable',
    ])
    expect(saga.findStep('r')?.retry.maxAttempts).toBe(10)
    expect(saga.findStep('a')?.compensationRetry.maxAttempts).toBe(5)
  })

  test('rejects a duplicate step id, also inside parallel([...])', () => {
    const base = defineSaga('order').step('a', { invoke: noop })
    expectInvalid(() => base.step('a', { invoke: noop }), 'step "a": duplicate step id')
    expectInvalid(
      () =>
        base.parallel([
          { id: 'b', invoke: noop },
          { id: 'b', invoke: noop },
        ]),
      'duplicate step id',
    )
  })

  test('rejects a compensation on a pivot step', () => {
    expectInvalid(
      () => defineSaga('order').step('p', { kind: 'pivot', invoke: noop, compensate: noop }),
      'a pivot step cannot have a compensation',
    )
  })

  test('rejects a non-retriable step after the pivot', () => {
    const pivoted = defineSaga('order').step('p', { kind: 'pivot', invoke: noop })
    expectInvalid(() => pivoted.step('x', { invoke: noop }), '"compensatable" but follows a pivot')
    expectInvalid(() => pivoted.step('y', { kind: 'pivot', invoke: noop }), 'follows a pivot')
    expect(pivoted.step('ok', { kind: 'retriable', invoke: noop }).steps).toHaveLength(2)
  })

  test('rejects bad names, empty parallel groups, a pivot in parallel and bad numbers', () => {
    expectInvalid(() => defineSaga('order').step('bad id!', { invoke: noop }), 'letters, digits')
    expectInvalid(() => defineSaga('order').parallel([]), 'at least one step')
    expectInvalid(
      () => defineSaga('order').parallel([{ id: 'p', kind: 'pivot', invoke: noop }]),
      'cannot run in parallel',
    )
    expectInvalid(
      () => defineSaga('order').step('a', { invoke: noop, retry: { maxAttempts: 0 } }),
      'maxAttempts',
    )
    expectInvalid(() => defineSaga('order').step('a', { invoke: noop, timeoutMs: -1 }), 'timeoutMs')
    expectInvalid(() => defineSaga('bad name'), 'Saga name')
    expectInvalid(() => defineSaga('order', { timeoutMs: 0 }), 'timeoutMs')
  })

  test('definitions are immutable: extending one leaves the original unchanged', () => {
    const one = defineSaga('order').step('a', { invoke: noop })
    one.step('b', { invoke: noop })
    expect(one.steps.map((step) => step.id)).toEqual(['a'])
  })
})

describe('SagaKitError', () => {
  test('carries code, retryable, typed context, cause and a cross-realm brand', () => {
    const cause = new Error('boom')
    const failure = new SagaKitError('E_SAGA_STEP_TIMEOUT', 'step failed', {
      context: { sagaId: 's', step: 'a', attempt: 2 },
      cause,
      retryable: true,
    })
    expect(failure).toMatchObject({
      code: 'E_SAGA_STEP_TIMEOUT',
      retryable: true,
      context: { sagaId: 's', step: 'a', attempt: 2 },
      cause,
      name: 'SagaKitError',
    })
    expect(isSagaKitError(failure)).toBe(true)
    expect(isSagaKitError({ [Symbol.for('faultline.saga-kit.error')]: true })).toBe(true)
    expect(isSagaKitError(new Error('x'))).toBe(false)
    expect(isSagaKitError(null)).toBe(false)
  })
})
