import { badOption } from './auth-error.js'

/** What an `Authorization` header holds, as far as bearer auth is concerned. */
export type BearerCredentials =
  | { readonly kind: 'missing' }
  | { readonly kind: 'malformed' }
  | { readonly kind: 'token'; readonly token: string }

// RFC 6750 section 2.1: "Bearer" 1*SP b64token.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i
const SCHEME = /^[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*(?: |$)/

/**
 * Reads a bearer token from an `Authorization` header value. Another scheme (Basic, ...) counts
 * as missing, as RFC 6750 asks; a Bearer header whose value is not a b64token is malformed.
 */
export function readBearer(header: string | string[] | undefined): BearerCredentials {
  const value = Array.isArray(header) ? header[0] : header
  if (value === undefined || value.trim() === '') return { kind: 'missing' }
  const match = BEARER.exec(value)
  if (match?.[1] !== undefined) return { kind: 'token', token: match[1] }
  const isBearer = value.trimStart().toLowerCase().startsWith('bearer')
  if (!isBearer && SCHEME.test(value.trimStart())) return { kind: 'missing' }
  return { kind: 'malformed' }
}

/** The RFC 6750 error codes a bearer challenge carries. */
export type BearerErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope'

/** One `WWW-Authenticate` challenge's parameters. */
export interface BearerChallenge {
  readonly error?: BearerErrorCode
  /** Fixed text from this module; never a value taken from the request. */
  readonly description?: string
  /** Space-separated roles that would have been accepted. */
  readonly scope?: string
}

// Quoted-string content that needs no escaping: printable ASCII without " and \.
const SAFE_QUOTED = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/

function quoted(name: string, value: string): string {
  // Descriptions and scopes are ours, but a bad one must never break the header (or split it).
  const safe = SAFE_QUOTED.test(value) ? value : value.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '')
  return `${name}="${safe}"`
}

/** Checks a realm at construction, so every challenge built with it is a valid header. */
export function checkRealm(realm: string): string {
  if (realm.length > 0 && realm.length <= 64 && SAFE_QUOTED.test(realm)) return realm
  throw badOption('realm', 'realm must be 1-64 printable ASCII characters without " or \\.')
}

/** The `WWW-Authenticate` value: `Bearer realm="...", error="...", error_description="..."`. */
export function bearerChallenge(realm: string, challenge: BearerChallenge = {}): string {
  const params = [quoted('realm', realm)]
  if (challenge.error !== undefined) params.push(quoted('error', challenge.error))
  if (challenge.description !== undefined) {
    params.push(quoted('error_description', challenge.description))
  }
  if (challenge.scope !== undefined) params.push(quoted('scope', challenge.scope))
  return `Bearer ${params.join(', ')}`
}
