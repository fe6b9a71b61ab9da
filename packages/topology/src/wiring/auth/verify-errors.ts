import { errors } from 'jose'
import { isTopologyError, TopologyError } from '../../errors.js'
import type { InvalidTokenReason } from './auth-error.js'

/** Fixed descriptions: a refusal never echoes text from the token or the request. */
export const REASON_TEXT: Readonly<Record<InvalidTokenReason, string>> = {
  too_large: 'the token is larger than allowed',
  malformed: 'the token is malformed',
  algorithm: 'the token algorithm is not allowed (EdDSA only)',
  unknown_key: 'the token signing key is unknown',
  signature: 'the token signature does not verify',
  expired: 'the token has expired',
  not_yet_valid: 'the token is not valid yet',
  issuer: 'the token issuer is not accepted',
  audience: 'the token is not for this audience',
  claims: 'the token claims are invalid',
}

/** An `invalid_token` refusal for `reason`. */
export function invalidToken(reason: InvalidTokenReason, cause?: unknown): TopologyError {
  return new TopologyError('E_TOPOLOGY_INVALID_TOKEN', REASON_TEXT[reason], {
    context: { reason },
    cause,
  })
}

function claimReason(claim: string): InvalidTokenReason {
  if (claim === 'nbf') return 'not_yet_valid'
  if (claim === 'iss') return 'issuer'
  if (claim === 'aud') return 'audience'
  if (claim === 'exp') return 'expired'
  return 'claims'
}

function reasonOf(error: errors.JOSEError): InvalidTokenReason {
  if (error instanceof errors.JWTExpired) return 'expired'
  if (error instanceof errors.JWTClaimValidationFailed) return claimReason(error.claim)
  if (error instanceof errors.JOSEAlgNotAllowed) return 'algorithm'
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'signature'
  if (error instanceof errors.JWKSNoMatchingKey) return 'unknown_key'
  if (error instanceof errors.JWKSMultipleMatchingKeys) return 'unknown_key'
  return 'malformed'
}

/** Turns what `jwtVerify` threw into a {@link TopologyError} that refuses the token. */
export function toTokenError(error: unknown): TopologyError {
  if (isTopologyError(error)) return error
  if (error instanceof errors.JOSEError) return invalidToken(reasonOf(error), error)
  return invalidToken('malformed', error)
}

/**
 * True for what a remote JWKS throws when it cannot be fetched or read (network, timeout, a
 * non-200 answer, bad JSON), as opposed to a token whose key is not in it.
 */
export function isJwksFetchFailure(error: unknown): boolean {
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) return true
  if (!(error instanceof errors.JOSEError)) return true
  return error.code === 'ERR_JOSE_GENERIC'
}
