import { describe, expect, test } from 'vitest'
import { translate } from '../src/relay/replication-stream.js'

describe('replication connection errors', () => {
  test('an invalidated or missing slot is not retryable; a dropped connection is', () => {
    const pgError = (code: string, message: string) => Object.assign(new Error(message), { code })
    const invalidated = translate(
      pgError('55000', 'can no longer get changes from replication slot "s"'),
      's',
    )
    expect(invalidated).toMatchObject({ code: 'E_SYNC_REPLICATION', retryable: false })
    expect(translate(pgError('42704', 'replication slot "s" does not exist'), 's').retryable).toBe(
      false,
    )
    expect(translate(pgError('57P01', 'terminating connection'), 's').retryable).toBe(true)
    expect(translate(new Error('Connection terminated unexpectedly'), 's').retryable).toBe(true)
    expect(translate(pgError('55006', 'replication slot "s" is active'), 's').code).toBe(
      'E_SYNC_SLOT_IN_USE',
    )
  })
})
