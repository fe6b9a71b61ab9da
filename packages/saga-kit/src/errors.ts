import { FaultlineError } from '@faultline/common'

/**
 * Every error code `@faultline/saga-kit` raises, in the `E_<PACKAGE>_<PROBLEM>` scheme every
 * Faultline package shares. The README's error table says what each means and what to do.
 */
export type SagaKitErrorCode =
  | 'E_SAGA_INVALID_DEFINITION'
  | 'E_SAGA_UNKNOWN_SAGA'
  | 'E_SAGA_INVALID_DATA'
  | 'E_SAGA_NOT_FOUND'
  | 'E_SAGA_ID_CONFLICT'
  | 'E_SAGA_LOCKED'
  | 'E_SAGA_ENTITY_LOCKED'
  | 'E_SAGA_BAD_STATE'
  | 'E_SAGA_UNKNOWN_STEP'
  | 'E_SAGA_STEP_REJECTED'
  | 'E_SAGA_STEP_TIMEOUT'
  | 'E_SAGA_DEADLINE'
  | 'E_SAGA_INCOMPATIBLE_DEFINITION'
  | 'E_SAGA_STORE'
  | 'E_SAGA_INVALID_OPTION'
  | 'E_SAGA_SCHEMA_MISSING'
  | 'E_SAGA_TOPIC_MISSING'

const BRAND = Symbol.for('faultline.saga-kit.error')

/** Where an error happened: which saga instance, which step, which attempt. */
export interface SagaKitErrorContext {
  readonly sagaId?: string
  readonly sagaName?: string
  readonly step?: string
  readonly attempt?: number
  readonly [key: string]: unknown
}

/** Options accepted by the {@link SagaKitError} constructor. */
export interface SagaKitErrorOptions {
  readonly context?: SagaKitErrorContext
  readonly cause?: unknown
  /** True when trying the same thing again may succeed. @default false */
  readonly retryable?: boolean
}

/**
 * The one error class `@faultline/saga-kit` throws; `code` says what went wrong. It extends
 * `FaultlineError`, so `isFaultlineError()` from `@faultline/common` recognises it too.
 */
export class SagaKitError extends FaultlineError<SagaKitErrorCode, SagaKitErrorContext> {
  override name = 'SagaKitError'
  readonly [BRAND] = true

  constructor(code: SagaKitErrorCode, message: string, options: SagaKitErrorOptions = {}) {
    super(code, message, options)
  }
}

/** True for any {@link SagaKitError}, even one thrown by another copy of this package. */
export function isSagaKitError(value: unknown): value is SagaKitError {
  return typeof value === 'object' && value !== null && BRAND in value
}

/**
 * A participant or local step throws this to say "no, and asking again will not change that"
 * (insufficient stock, card declined): the step fails at once, without retries.
 */
export function rejectStep(message: string, context: SagaKitErrorContext = {}): SagaKitError {
  return new SagaKitError('E_SAGA_STEP_REJECTED', message, { context, retryable: false })
}

/** Serialisable form of an error, as stored in the step log. */
export interface ErrorRecord {
  readonly message: string
  readonly code?: string
  readonly retryable: boolean
}

/** Turns anything thrown into an {@link ErrorRecord}; unknown errors count as transient. */
export function toErrorRecord(error: unknown): ErrorRecord {
  if (isSagaKitError(error)) {
    return { message: error.message, code: error.code, retryable: error.retryable }
  }
  const message = error instanceof Error ? error.message : String(error)
  return { message, retryable: true }
}
