import { CacheKitError } from './errors.js'

/** Throws `E_CACHE_INVALID_KEY` unless `key` is a non-empty string of at most `maxLength` characters. */
export function checkKey(key: unknown, maxLength: number): string {
  if (typeof key !== 'string') {
    throw new CacheKitError(
      'E_CACHE_INVALID_KEY',
      `Cache key must be a string; got ${typeof key}.`,
      {
        context: { value: typeof key },
      },
    )
  }
  if (key.length === 0) {
    throw new CacheKitError('E_CACHE_INVALID_KEY', 'Cache key must not be empty.', {
      context: { key },
    })
  }
  if (key.length > maxLength) {
    throw new CacheKitError(
      'E_CACHE_INVALID_KEY',
      `Cache key is ${key.length} characters; the limit is ${maxLength}.`,
      {
        context: { key: `${key.slice(0, 64)}…`, reason: 'too-long' },
      },
    )
  }
  return key
}
