import { describe, expect, test } from 'vitest'
import type { Pool } from 'pg'
import {
  createMemoryTransport,
  createOrchestrator,
  createParticipant,
  createPgQueueTransport,
  createReactor,
  defineParticipant,
  defineSaga,
  isSagaKitError,
  type SagaKitError,
} from '@faultline/saga-kit'
import { createSyncKitTransport } from '@faultline/saga-kit/sync-kit'
import { isFaultlineError } from '@faultline/common'

/** Never connected: the checks run before anything touches the database. */
const db = { query: () => Promise.resolve(), connect: () => Promise.resolve() } as unknown as Pool
const transport = createMemoryTransport()
const saga = defineSaga('order').step('one', { invoke: async () => {} })
const orchestratorOptions = { db, transport, sagas: [saga] }

/** The error `make()` throws, checked to be E_SAGA_INVALID_OPTION naming `option`. */
function refusal(make: () => unknown, option: string): SagaKitError {
  let thrown: unknown
  try {
    make()
  } catch (error) {
    thrown = error
  }
  expect(isSagaKitError(thrown), String(thrown)).toBe(true)
  const error = thrown as SagaKitError
  expect(error.code).toBe('E_SAGA_INVALID_OPTION')
  expect(error.message).toContain(option)
  expect(error.retryable).toBe(false)
  expect(isFaultlineError(error)).toBe(true)
  return error
}

describe('createOrchestrator() checks every option', () => {
  test.each([
    ['leaseMs', 0],
    ['leaseMs', 29],
    ['leaseMs', 1.5],
    ['leaseMs', '10000'],
    ['pollIntervalMs', 0],
    ['pollIntervalMs', Number.NaN],
    ['pollIntervalMs', 2 ** 31],
    ['concurrency', -1],
    ['concurrency', 2.5],
    ['concurrency', 1_001],
    ['startCommitWaitMs', -5],
    ['replyChannel', ''],
    ['ownerId', 42],
    ['clock', {}],
    ['logger', { info: () => {} }],
    ['onEvent', 'yes'],
    ['random', 0.5],
    ['tracer', {}],
  ])('%s = %j', (option, value) => {
    const error = refusal(
      () => createOrchestrator({ ...orchestratorOptions, [option]: value }),
      option,
    )
    expect(error.message).toContain('createOrchestrator()')
    expect(error.context).toMatchObject({ option })
  })

  test('db, transport and sagas', () => {
    refusal(() => createOrchestrator({ ...orchestratorOptions, db: undefined as never }), 'db')
    refusal(
      () => createOrchestrator({ ...orchestratorOptions, transport: {} as never }),
      'transport',
    )
    refusal(() => createOrchestrator({ ...orchestratorOptions, sagas: [] }), 'sagas')
    refusal(() => createOrchestrator({ ...orchestratorOptions, sagas: [{} as never] }), 'sagas')
    refusal(() => createOrchestrator({ ...orchestratorOptions, sagas: [saga, saga] }), 'order')
    refusal(() => createOrchestrator(undefined as never), 'options object')
  })

  test('accepts the documented edges: concurrency 0 (no poll loop), leaseMs 30', () => {
    expect(() =>
      createOrchestrator({ ...orchestratorOptions, concurrency: 0, leaseMs: 30 }),
    ).not.toThrow()
  })
})

describe('the other factories check their options too', () => {
  const definition = defineParticipant('inventory', {})
  test('createParticipant()', () => {
    refusal(() => createParticipant({ db, transport, definition: {} as never }), 'definition')
    refusal(() => createParticipant({ db: {} as never, transport, definition }), 'db')
    refusal(() => createParticipant({ db, transport, definition, clock: {} as never }), 'clock')
  })
  test('createReactor()', () => {
    const base = { db, transport, name: 'shipping', channel: 'events.order', on: {} }
    refusal(() => createReactor({ ...base, name: '' }), 'name')
    refusal(() => createReactor({ ...base, channel: 7 as never }), 'channel')
    refusal(() => createReactor({ ...base, on: { 'order.approved': 'x' as never } }), 'on')
  })
  test('createPgQueueTransport()', () => {
    refusal(() => createPgQueueTransport({ db, pollIntervalMs: 0 }), 'pollIntervalMs')
    refusal(() => createPgQueueTransport({ db, batchSize: 0 }), 'batchSize')
    refusal(() => createPgQueueTransport({ db, concurrency: 0 }), 'concurrency')
    refusal(() => createPgQueueTransport({ db, redeliveryDelayMs: -1 }), 'redeliveryDelayMs')
  })
  test('createMemoryTransport()', () => {
    refusal(() => createMemoryTransport({ duplicateRate: 2 }), 'duplicateRate')
    refusal(() => createMemoryTransport({ maxDelayMs: -1 }), 'maxDelayMs')
    refusal(() => createMemoryTransport({ drop: true as never }), 'drop')
  })
  test('createSyncKitTransport()', () => {
    const store = { transaction: () => {}, claim: () => {}, lastSequence: () => {} }
    const base = {
      store: store as never,
      eventConsumer: () => ({}) as never,
      deadLetters: { publish: () => Promise.resolve([]), close: () => Promise.resolve() },
    }
    expect(() => createSyncKitTransport(base)).not.toThrow()
    refusal(() => createSyncKitTransport({ ...base, store: {} as never }), 'store')
    refusal(() => createSyncKitTransport({ ...base, eventConsumer: {} as never }), 'eventConsumer')
    refusal(() => createSyncKitTransport({ ...base, deadLetters: {} as never }), 'deadLetters')
    refusal(() => createSyncKitTransport({ ...base, maxAttempts: 0 }), 'maxAttempts')
    refusal(() => createSyncKitTransport({ ...base, maxBatchSize: 0 }), 'maxBatchSize')
    refusal(() => createSyncKitTransport({ ...base, startTimeoutMs: -1 }), 'startTimeoutMs')
  })
})
