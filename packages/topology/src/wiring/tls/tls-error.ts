/** Every error code the TLS wiring raises. */
export type TlsErrorCode =
  /** An option is invalid (a name, a SAN, a validity period, a PEM). */
  | 'E_TLS_BAD_OPTION'
  /** Making a key or signing a certificate failed. */
  | 'E_TLS_ISSUE_FAILED'

const BRAND = Symbol.for('faultline.topology.tls-error')

/** What a TLS error is about. */
export interface TlsErrorContext {
  readonly option?: string
  readonly commonName?: string
}

/** The one error class of the TLS wiring; `code` says what went wrong. */
export class TlsError extends Error {
  override readonly name = 'TlsError'
  readonly [BRAND] = true
  readonly code: TlsErrorCode
  readonly retryable = false
  readonly context: TlsErrorContext

  constructor(
    code: TlsErrorCode,
    message: string,
    options: { context?: TlsErrorContext; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause })
    this.code = code
    this.context = Object.freeze({ ...options.context })
  }
}

/** True for any {@link TlsError}, even one thrown by another copy of this package. */
export function isTlsError(value: unknown): value is TlsError {
  return typeof value === 'object' && value !== null && BRAND in value
}
