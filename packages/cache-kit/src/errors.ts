import { FaultlineError } from '@faultline/common'

/**
 * Every error code `@faultline/cache-kit` raises, in the `E_<PACKAGE>_<PROBLEM>` scheme every
 * Faultline package shares. The README's error table says what each means and what to do.
 */
export type CacheKitErrorCode =
  | 'E_CACHE_INVALID_KEY'
  | 'E_CACHE_INVALID_OPTION'
  | 'E_CACHE_INVALID_LSN'
  | 'E_CACHE_INVALID_CHANGE'
  | 'E_CACHE_INVALID_EVENT'
  | 'E_CACHE_UNSERIALIZABLE'
  | 'E_CACHE_DESERIALIZE'
  | 'E_CACHE_LOADER_FAILED'
  | 'E_CACHE_LOADER_TIMEOUT'
  | 'E_CACHE_STALE_LOAD'
  | 'E_CACHE_STORE_UNAVAILABLE'
  | 'E_CACHE_BUS_UNAVAILABLE'
  | 'E_CACHE_CLOSED'
  | 'E_CACHE_SOURCE_FAILED'

const BRAND = Symbol.for('faultline.cache-kit.error')

/** What an error is about; every field is optional and read-only. */
export interface CacheKitErrorContext {
  readonly key?: string
  readonly keys?: readonly string[]
  readonly tags?: readonly string[]
  readonly option?: string
  readonly operation?: string
  readonly reason?: string
  readonly value?: unknown
  /** The backend that failed, `host:port` with no credentials (`E_CACHE_*_UNAVAILABLE`). */
  readonly endpoint?: string
  /** The sync-kit event's `id` (`E_CACHE_INVALID_EVENT`). */
  readonly eventId?: string
  /** The event field that is missing or wrong, e.g. `commitLsn` (`E_CACHE_INVALID_EVENT`). */
  readonly field?: string
}

/** @internal Options for constructing a {@link CacheKitError}. */
export interface CacheKitErrorOptions {
  readonly context?: CacheKitErrorContext
  readonly cause?: unknown
  /** @default false */
  readonly retryable?: boolean
}

/**
 * The one error class cache-kit throws; `code` says what went wrong. It extends
 * `FaultlineError`, so `isFaultlineError()` from `@faultline/common` recognises it too.
 */
export class CacheKitError extends FaultlineError<CacheKitErrorCode, CacheKitErrorContext> {
  override name = 'CacheKitError'
  readonly [BRAND] = true

  constructor(code: CacheKitErrorCode, message: string, options: CacheKitErrorOptions = {}) {
    super(code, message, options)
  }
}

/** True for any {@link CacheKitError}, even one thrown by another copy of this package. */
export function isCacheKitError(value: unknown): value is CacheKitError {
  return typeof value === 'object' && value !== null && BRAND in value
}

/** @internal Describes a thrown value that may not be an Error, for messages. */
export function describeThrown(value: unknown): string {
  if (value instanceof Error) return value.message
  if (typeof value === 'string') return value
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}
