const BRAND = Symbol.for('faultline.error')

/**
 * Codes follow one scheme in every package: `E_<PACKAGE>_<PROBLEM>`, where `<PACKAGE>` is
 * `COMMON`, `CACHE`, `SYNC`, `SAGA`, `INFRA`, `TOPOLOGY` or `CLI`, and the same problem keeps the
 * same `<PROBLEM>` everywhere (`INVALID_OPTION`, `INVALID_LSN`, `CLOSED`, `TIMEOUT`,
 * `SCHEMA_MISSING`, ...).
 */
export type FaultlineErrorCode = `E_${string}_${string}`

/** Options for constructing a {@link FaultlineError}. */
export interface FaultlineErrorOptions<Context extends object> {
  /** What the error is about, e.g. `{ key }` or `{ topic, partition, offset }`. */
  readonly context?: Context
  /** The original error, e.g. the driver's. */
  readonly cause?: unknown
  /** True when the same call may succeed if tried again. @default false */
  readonly retryable?: boolean
}

/**
 * The base of every error a Faultline package throws. Each package throws only its own subclass
 * (`CacheKitError`, `SyncKitError`, `SagaKitError`, `InfraError`), so `isFaultlineError()` is
 * true for all of them and `code` says which problem it is.
 */
export class FaultlineError<
  Code extends FaultlineErrorCode = FaultlineErrorCode,
  Context extends object = Readonly<Record<string, unknown>>,
> extends Error {
  override name = 'FaultlineError'
  readonly [BRAND] = true
  readonly code: Code
  readonly retryable: boolean
  readonly context: Readonly<Context>

  constructor(code: Code, message: string, options: FaultlineErrorOptions<Context> = {}) {
    super(message, { cause: options.cause })
    this.code = code
    this.retryable = options.retryable ?? false
    this.context = Object.freeze({ ...(options.context ?? {}) }) as Readonly<Context>
  }
}

/** True for an error from any Faultline package, even one thrown by another copy of it. */
export function isFaultlineError(value: unknown): value is FaultlineError {
  return typeof value === 'object' && value !== null && BRAND in value
}
