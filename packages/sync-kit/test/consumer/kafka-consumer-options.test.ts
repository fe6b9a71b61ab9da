import { describe, expect, test } from 'vitest'
import { isSyncKitError } from '@faultline/sync-kit'
import { createKafkaEventConsumer } from '@faultline/sync-kit/kafka'

describe('KafkaEventConsumer options', () => {
  test.each([
    ['partitionsConsumedConcurrently', { partitionsConsumedConcurrently: 0 }],
    ['partitionsConsumedConcurrently', { partitionsConsumedConcurrently: 1.5 }],
    ['setAsideAfterMs', { setAsideAfterMs: -1 }],
    ['setAsideAfterMs', { setAsideAfterMs: Number.NaN }],
  ])('a bad %s fails at construction', (field, bad) => {
    let caught: unknown
    try {
      createKafkaEventConsumer({ brokers: ['127.0.0.1:9'], ...bad })
    } catch (err) {
      caught = err
    }
    expect(isSyncKitError(caught, 'E_SYNC_INVALID_OPTION')).toBe(true)
    expect(caught).toMatchObject({ context: { field } })
  })
})
