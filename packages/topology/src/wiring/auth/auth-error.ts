/** Every error code the auth wiring raises. */
export type AuthErrorCode =
  /** An option or argument is invalid (bad role, TTL, key set document, URL). */
  | 'E_AUTH_BAD_OPTION'
  /** The request carries no bearer token. */
  | 'E_AUTH_MISSING_TOKEN'
  /** The token is malformed, forged, expired, or not for us (RFC 6750 `invalid_token`). */
  | 'E_AUTH_INVALID_TOKEN'
  /** The token is valid but lacks the role the route requires (`insufficient_scope`). */
  | 'E_AUTH_FORBIDDEN'
  /** The JWKS could not be fetched, so no token can be checked right now. */
  | 'E_AUTH_JWKS_UNAVAILABLE'
  /** An outgoing call would carry no identity: no caller token and no service token. */
  | 'E_AUTH_NO_IDENTITY'
  /** The token endpoint refused or could not issue a service token. */
  | 'E_AUTH_TOKEN_ENDPOINT'

/** Why a token was refused; fixed words, never text taken from the token. */
export type InvalidTokenReason =
  | 'too_large'
  | 'malformed'
  | 'algorithm'
  | 'unknown_key'
  | 'signature'
  | 'expired'
  | 'not_yet_valid'
  | 'issuer'
  | 'audience'
  | 'claims'

const BRAND = Symbol.for('faultline.topology.auth-error')

/** What an auth error is about. */
export interface AuthErrorContext {
  readonly reason?: InvalidTokenReason
  readonly option?: string
  readonly requiredRoles?: readonly string[]
  readonly status?: number
  readonly url?: string
}

/** Options for constructing an {@link AuthError}. */
export interface AuthErrorOptions {
  readonly context?: AuthErrorContext
  readonly cause?: unknown
  /** @default false */
  readonly retryable?: boolean
}

/** The one error class of the auth wiring; `code` says what went wrong. */
export class AuthError extends Error {
  override readonly name = 'AuthError'
  readonly [BRAND] = true
  readonly code: AuthErrorCode
  readonly retryable: boolean
  readonly context: AuthErrorContext

  constructor(code: AuthErrorCode, message: string, options: AuthErrorOptions = {}) {
    super(message, { cause: options.cause })
    this.code = code
    this.retryable = options.retryable ?? false
    this.context = Object.freeze({ ...options.context })
  }
}

/** True for any {@link AuthError}, even one thrown by another copy of this package. */
export function isAuthError(value: unknown): value is AuthError {
  return typeof value === 'object' && value !== null && BRAND in value
}

/** Shorthand for a bad option, naming the option and the fix. */
export function badOption(option: string, message: string): AuthError {
  return new AuthError('E_AUTH_BAD_OPTION', message, { context: { option } })
}
