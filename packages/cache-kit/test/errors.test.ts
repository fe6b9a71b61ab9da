import { describe, expect, test } from 'vitest'
import { FaultlineError, isFaultlineError } from '@faultline/common'
import {
  CacheKitError,
  createCache,
  createMemoryCacheStore,
  isCacheKitError,
} from '@faultline/cache-kit'

describe('CacheKitError', () => {
  test('is a FaultlineError with code, retryable, context and cause, recognised by both guards', () => {
    const cause = new Error('ECONNREFUSED')
    const error = new CacheKitError('E_CACHE_STORE_UNAVAILABLE', 'Redis at h:1 failed.', {
      retryable: true,
      cause,
      context: { endpoint: 'h:1' },
    })
    expect(error).toBeInstanceOf(FaultlineError)
    expect(error).toBeInstanceOf(Error)
    expect(isFaultlineError(error)).toBe(true)
    expect(isCacheKitError(error)).toBe(true)
    expect(error).toMatchObject({
      name: 'CacheKitError',
      code: 'E_CACHE_STORE_UNAVAILABLE',
      retryable: true,
      context: { endpoint: 'h:1' },
      cause,
    })
    expect(Object.isFrozen(error.context)).toBe(true)
  })

  test('a FaultlineError from another kit is not a CacheKitError', () => {
    const other = new FaultlineError('E_SYNC_CLOSED', 'closed')
    expect(isFaultlineError(other)).toBe(true)
    expect(isCacheKitError(other)).toBe(false)
  })

  test('every code the cache raises follows E_CACHE_<PROBLEM>', async () => {
    const cache = createCache({ store: createMemoryCacheStore() })
    const codes: string[] = []
    for (const call of [
      () => cache.getOrLoad('', () => 1),
      () => cache.applyChange({ key: 'k', version: 1, lsn: 'x' }),
      () => cache.getOrLoad('k', () => () => 1),
    ]) {
      await call().catch((thrown: unknown) => codes.push((thrown as CacheKitError).code))
    }
    await cache.close()
    await cache
      .getOrLoad('k', () => 1)
      .catch((thrown: unknown) => codes.push((thrown as CacheKitError).code))
    expect(codes).toStrictEqual([
      'E_CACHE_INVALID_KEY',
      'E_CACHE_INVALID_LSN',
      'E_CACHE_UNSERIALIZABLE',
      'E_CACHE_CLOSED',
    ])
    for (const code of codes) expect(code).toMatch(/^E_CACHE_[A-Z_]+$/)
  })
})
