import { randomUUID } from 'node:crypto'
import { SignJWT } from 'jose'
import { badOption } from './auth-error.js'
import { systemClock, type Clock } from './clock.js'
import { SIGNING_ALGORITHM, type KeySet } from './key-set.js'
import { isRole, ROLES, type Role } from './roles.js'

/** Who tokens are from and for. */
export interface TokenAudience {
  /** The `iss` claim, e.g. the auth service's URL. @default 'faultline' */
  readonly issuer?: string
  /** The `aud` claim every service checks. @default 'faultline-services' */
  readonly audience?: string
}

/** Options for {@link createTokenMinter}. */
export interface TokenMinterOptions extends TokenAudience {
  readonly keySet: KeySet
  readonly clock?: Clock
}

/** What {@link TokenMinter.mint} puts into a token. */
export interface MintTokenRequest {
  readonly role: Role
  /** The `sub` claim: who the caller is. @default 'local-user' */
  readonly sub?: string
  /** Lifetime in ms, at most the key set's `maxTokenTtlMs`. @default 900000 (15 min) */
  readonly ttlMs?: number
}

/** Mints tokens signed by a {@link KeySet}'s current key. */
export interface TokenMinter {
  readonly issuer: string
  readonly audience: string
  /** A signed JWT (`alg: EdDSA`, `kid`), with `roles: [role]`, `sub`, `iat`, `nbf`, `exp`, `jti`. */
  mint(request: MintTokenRequest): Promise<string>
}

/** Defaults shared by minters and verifiers, so both sides agree without configuration. */
export const TOKEN_DEFAULTS = {
  issuer: 'faultline',
  audience: 'faultline-services',
  sub: 'local-user',
  ttlMs: 15 * 60_000,
} as const

// A printable subject without control characters: it ends up in logs and database rows.
const SUBJECT = /^[\x21-\x7e]{1,256}$/

function checkRequest(request: MintTokenRequest, maxTtlMs: number): Required<MintTokenRequest> {
  const { role, sub = TOKEN_DEFAULTS.sub, ttlMs = TOKEN_DEFAULTS.ttlMs } = request
  if (!isRole(role)) {
    throw badOption('role', `role must be one of ${ROLES.join(', ')}, got ${String(role)}.`)
  }
  if (typeof sub !== 'string' || !SUBJECT.test(sub)) {
    throw badOption('sub', 'sub must be 1-256 printable ASCII characters without spaces.')
  }
  if (!Number.isSafeInteger(ttlMs) || ttlMs < 1000 || ttlMs > maxTtlMs) {
    throw badOption(
      'ttlMs',
      `ttlMs must be an integer from 1000 to ${maxTtlMs} (the key set's maxTokenTtlMs), got ${ttlMs}.`,
    )
  }
  return { role, sub, ttlMs }
}

/** Creates a {@link TokenMinter}; tokens last at most `keySet.maxTokenTtlMs`. */
export function createTokenMinter(options: TokenMinterOptions): TokenMinter {
  const clock = options.clock ?? systemClock
  const issuer = options.issuer ?? TOKEN_DEFAULTS.issuer
  const audience = options.audience ?? TOKEN_DEFAULTS.audience
  return {
    issuer,
    audience,
    async mint(request) {
      const { role, sub, ttlMs } = checkRequest(request, options.keySet.maxTokenTtlMs)
      const now = clock.now()
      const key = options.keySet.current
      return await new SignJWT({ roles: [role] })
        .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid: key.kid, typ: 'JWT' })
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject(sub)
        .setJti(randomUUID())
        .setIssuedAt(Math.floor(now / 1000))
        .setNotBefore(Math.floor(now / 1000))
        .setExpirationTime(Math.floor((now + ttlMs) / 1000))
        .sign(key.privateKey)
    },
  }
}

/** Options for {@link mintToken}: a key set plus what the token says. */
export interface MintTokenOptions extends MintTokenRequest, TokenAudience {
  readonly keySet: KeySet
  readonly clock?: Clock
}

/**
 * Mints one token for local use: what `faultline token --role <r> [--sub u] [--ttl 15m]` calls
 * (the CLI turns `15m` into `ttlMs`). Fails with `E_TOPOLOGY_INVALID_OPTION` naming a bad role, sub or TTL.
 */
export function mintToken(options: MintTokenOptions): Promise<string> {
  const { keySet, clock, issuer, audience, ...request } = options
  return createTokenMinter({ keySet, clock, issuer, audience }).mint(request)
}
