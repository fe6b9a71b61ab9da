import { describe, expect, test } from 'vitest'
import type { MintTokenRequest } from '@faultline/topology'
import { createRandom } from '../../src/core/random.js'
import { prepareInvocation } from '../../src/targets/topology/invocations.js'
import { KeySpace } from '../../src/targets/topology/keys.js'
import { callerOf } from '../../src/targets/topology/perform.js'
import { CallerTokens, LOAD_SUBJECTS } from '../../src/targets/topology/tokens.js'

/** A minter that records what it was asked and numbers its tokens. */
function recordingMinter() {
  const asked: MintTokenRequest[] = []
  const mint = (request: MintTokenRequest) => {
    asked.push(request)
    return Promise.resolve(`token-${asked.length}`)
  }
  return { asked, mint }
}

describe('CallerTokens', () => {
  test('mints one token per role and subject and reuses it until shortly before it expires', async () => {
    let now = 1_000_000
    const { asked, mint } = recordingMinter()
    const tokens = new CallerTokens(mint, () => now)
    const first = await tokens.authorization('customer', 'alice')
    expect(first).toBe('Bearer token-1')
    expect(await tokens.authorization('customer', 'alice')).toBe(first)
    expect(await tokens.authorization('customer', 'bob')).toBe('Bearer token-2')
    expect(await tokens.authorization('ops', 'alice')).toBe('Bearer token-3')
    expect(asked[0]).toMatchObject({ role: 'customer', sub: 'alice' })
    // 15 min tokens, replaced in their last 2 min: never sent expired.
    now += 12 * 60_000
    expect(await tokens.authorization('customer', 'alice')).toBe(first)
    now += 2 * 60_000
    expect(await tokens.authorization('customer', 'alice')).toBe('Bearer token-4')
    expect(asked.every((request) => request.ttlMs === 15 * 60_000)).toBe(true)
  })

  test('concurrent callers share one mint; the cached value is there without waiting once minted', async () => {
    const { asked, mint } = recordingMinter()
    const tokens = new CallerTokens(mint)
    expect(tokens.cachedAuthorization('customer', LOAD_SUBJECTS.reader)).toBeUndefined()
    const all = await Promise.all(
      Array.from({ length: 10 }, () => tokens.authorization('customer', LOAD_SUBJECTS.reader)),
    )
    expect(new Set(all).size).toBe(1)
    expect(asked).toHaveLength(1)
    expect(tokens.cachedAuthorization('customer', LOAD_SUBJECTS.reader)).toBe(all[0])
  })

  test('a failed mint is not cached: the next call mints again', async () => {
    let fail = true
    const tokens = new CallerTokens(() =>
      fail ? Promise.reject(new Error('keys unreadable')) : Promise.resolve('ok'),
    )
    await expect(tokens.authorization('ops', 'x')).rejects.toThrow('keys unreadable')
    fail = false
    expect(await tokens.authorization('ops', 'x')).toBe('Bearer ok')
  })
})

describe('who the load generator calls as', () => {
  test('orders are placed by a pool of customers and read back by the customer who placed them', () => {
    const keys = new KeySpace(['p1', 'p2'], ['books'])
    const random = createRandom(7)
    const owners = new Map<string, string>()
    for (let i = 0; i < 200; i++) {
      const placed = prepareInvocation('place-order', keys, random)
      const caller = callerOf('place-order', placed)
      expect(caller.role).toBe('customer')
      owners.set(`order-${i}`, caller.sub)
      keys.rememberOrder(`order-${i}`, caller.sub)
    }
    expect(new Set(owners.values()).size).toBeGreaterThan(100)
    for (let i = 0; i < 50; i++) {
      const read = prepareInvocation('get-order', keys, random)
      expect(callerOf('get-order', read)).toEqual({
        role: 'customer',
        sub: owners.get(String(read.key)),
      })
    }
  })

  test('catalog writes go as the writer, reads as a customer', () => {
    expect(callerOf('write-product', {})).toEqual({
      role: 'catalog:write',
      sub: LOAD_SUBJECTS.writer,
    })
    expect(callerOf('delete-product', {})).toMatchObject({ role: 'catalog:write' })
    for (const op of ['read-product', 'read-products', 'list-category', 'search'])
      expect(callerOf(op, {})).toEqual({ role: 'customer', sub: LOAD_SUBJECTS.reader })
  })
})
