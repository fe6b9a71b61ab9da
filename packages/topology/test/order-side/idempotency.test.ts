import { describe, expect, test } from 'vitest'
import { requestHash } from '../../src/services/orders/idempotency.js'

describe('requestHash (Idempotency-Key request identity)', () => {
  test('is the same for the same body whatever its key order', () => {
    const body = { customerId: 'c', productId: 'p', quantity: 1, amountCents: 5 }
    const reordered = { amountCents: 5, quantity: 1, productId: 'p', customerId: 'c' }
    expect(requestHash(reordered)).toBe(requestHash(body))
  })

  test('differs when any value differs', () => {
    const body = { customerId: 'c', productId: 'p', quantity: 1, amountCents: 5 }
    const hashes = new Set([
      requestHash(body),
      requestHash({ ...body, quantity: 2 }),
      requestHash({ ...body, amountCents: '5' }),
      requestHash({ ...body, customerId: 'c2' }),
    ])
    expect(hashes.size).toBe(4)
  })
})
