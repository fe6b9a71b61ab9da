import { jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose'
import { isTopologyError } from '../../errors.js'
import { badOption } from './auth-error.js'
import { systemClock, type Clock } from './clock.js'
import type { Identity } from './identity.js'
import { KeySet, SIGNING_ALGORITHM } from './key-set.js'
import { createRemoteKeys, type RemoteJwksOptions } from './remote-keys.js'
import { isRole, type Role } from './roles.js'
import { TOKEN_DEFAULTS, type TokenAudience } from './token-minter.js'
import { invalidToken, toTokenError } from './verify-errors.js'

/** Options for {@link createTokenVerifier}. */
export interface TokenVerifierOptions extends TokenAudience {
  /** The issuer's key set (in the same process), or where to fetch its JWKS. */
  readonly keys: KeySet | RemoteJwksOptions
  /** Skew allowed on `exp` and `nbf`. @default 30000 */
  readonly clockToleranceMs?: number
  /** Longer tokens are refused before any parsing. @default 4096 */
  readonly maxTokenBytes?: number
  readonly clock?: Clock
}

/** Checks bearer tokens; see {@link createTokenVerifier}. */
export interface TokenVerifier {
  /**
   * The caller's identity, or an {@link TopologyError}: `E_TOPOLOGY_INVALID_TOKEN` with a `reason`,
   * or `E_TOPOLOGY_JWKS_UNAVAILABLE` when a remote JWKS cannot be fetched.
   */
  verify(token: string): Promise<Identity>
}

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/
const MAX_ROLES = 16

/**
 * Each segment must be the one canonical base64url spelling of its bytes. jose decodes leniently,
 * so flipping the unused low bits of a segment's last character gives a different token string
 * that still verifies: a replay cache or revocation list keyed on the string would miss it.
 */
function isCanonical(token: string): boolean {
  return token.split('.').every((s) => Buffer.from(s, 'base64url').toString('base64url') === s)
}

function checkShape(token: string, maxTokenBytes: number): void {
  if (Buffer.byteLength(token) > maxTokenBytes) throw invalidToken('too_large')
  if (!COMPACT_JWS.test(token) || !isCanonical(token)) throw invalidToken('malformed')
}

function identityOf(payload: JWTPayload, token: string): Identity {
  const { sub, exp, roles } = payload
  const rolesOk =
    Array.isArray(roles) && roles.length <= MAX_ROLES && roles.every((r) => typeof r === 'string')
  if (typeof sub !== 'string' || sub.length === 0 || typeof exp !== 'number' || !rolesOk) {
    throw invalidToken('claims')
  }
  const known = roles.filter((r): r is Role => isRole(r))
  return { sub, roles: [...new Set(known)], expiresAt: exp * 1000, token }
}

function keyResolver(keys: KeySet | RemoteJwksOptions): JWTVerifyGetKey {
  if (!(keys instanceof KeySet)) return createRemoteKeys(keys)
  return (header) => {
    const key = keys.publicKey(header.kid)
    if (key === undefined) throw invalidToken('unknown_key')
    return key
  }
}

function checkOptions(options: TokenVerifierOptions): { tolerance: number; maxBytes: number } {
  const tolerance = options.clockToleranceMs ?? 30_000
  const maxBytes = options.maxTokenBytes ?? 4096
  if (!Number.isSafeInteger(tolerance) || tolerance < 0 || tolerance > 300_000) {
    throw badOption('clockToleranceMs', 'clockToleranceMs must be an integer from 0 to 300000.')
  }
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 256 || maxBytes > 16_384) {
    throw badOption('maxTokenBytes', 'maxTokenBytes must be an integer from 256 to 16384.')
  }
  return { tolerance, maxBytes }
}

/**
 * Creates a verifier that accepts only compact, canonical EdDSA JWTs signed by a published key,
 * within `exp`/`nbf` (plus the clock tolerance), from the issuer and for the audience.
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const { tolerance, maxBytes } = checkOptions(options)
  const clock = options.clock ?? systemClock
  const getKey = keyResolver(options.keys)
  const issuer = options.issuer ?? TOKEN_DEFAULTS.issuer
  const audience = options.audience ?? TOKEN_DEFAULTS.audience
  return {
    async verify(token) {
      checkShape(token, maxBytes)
      try {
        const { payload } = await jwtVerify(token, getKey, {
          algorithms: [SIGNING_ALGORITHM],
          issuer,
          audience,
          clockTolerance: tolerance / 1000,
          currentDate: new Date(clock.now()),
          requiredClaims: ['exp', 'iat', 'sub'],
        })
        return identityOf(payload, token)
      } catch (error) {
        if (isTopologyError(error)) throw error
        throw toTokenError(error)
      }
    },
  }
}
