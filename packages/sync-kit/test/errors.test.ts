import { describe, expect, test } from 'vitest'
import { SyncKitError, isSyncKitError } from '@faultline/sync-kit'
import { describeError } from '../src/errors.js'

describe('SyncKitError', () => {
  test('carries code, retryable, frozen context and cause', () => {
    const cause = new Error('boom')
    const err = new SyncKitError('E_SYNC_PUBLISH_FAILED', 'no ack', {
      retryable: true,
      context: { topic: 't', partition: 1, offset: '7', eventId: 'e' },
      cause,
    })
    expect(err.code).toBe('E_SYNC_PUBLISH_FAILED')
    expect(err.retryable).toBe(true)
    expect(err.context).toEqual({ topic: 't', partition: 1, offset: '7', eventId: 'e' })
    expect(Object.isFrozen(err.context)).toBe(true)
    expect(err.cause).toBe(cause)
    expect(err.name).toBe('SyncKitError')
  })

  test('isSyncKitError() recognises the brand, even on a structural copy, and filters by code', () => {
    const err = new SyncKitError('E_SYNC_CLOSED', 'closed')
    expect(isSyncKitError(err)).toBe(true)
    expect(isSyncKitError(err, 'E_SYNC_CLOSED')).toBe(true)
    expect(isSyncKitError(err, 'E_SYNC_TIMEOUT')).toBe(false)
    const foreign = { [Symbol.for('faultline.sync-kit.error')]: true, code: 'E_SYNC_CLOSED' }
    expect(isSyncKitError(foreign)).toBe(true)
    expect(isSyncKitError(new Error('x'))).toBe(false)
    expect(isSyncKitError(null)).toBe(false)
    expect(err.retryable).toBe(false)
  })

  test('describeError() renders any thrown value', () => {
    expect(describeError(new Error('a'))).toBe('a')
    expect(describeError('b')).toBe('b')
    expect(describeError({ c: 1 })).toBe('{"c":1}')
    expect(describeError(undefined)).toBe('undefined')
  })
})
