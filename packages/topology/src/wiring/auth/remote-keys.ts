import { createRemoteJWKSet, customFetch, type JWTVerifyGetKey } from 'jose'
import { fetch as undiciFetch, type Dispatcher } from 'undici'
import { TopologyError } from '../../errors.js'
import { badOption } from './auth-error.js'
import { isJwksFetchFailure } from './verify-errors.js'

/** Where to fetch the verification keys from, instead of holding a {@link KeySet}. */
export interface RemoteJwksOptions {
  /** e.g. `https://127.0.0.1:4100/.well-known/jwks.json` (the auth service), or an IdP's. */
  readonly jwksUrl: string
  /** An undici dispatcher, e.g. the service's mTLS agent when the auth service wants a client cert. */
  readonly dispatcher?: Dispatcher
  /**
   * After a fetch, an unknown `kid` triggers no new fetch for this long: a flood of forged
   * tokens with random `kid`s cannot turn into a flood of JWKS requests. @default 5000
   */
  readonly cooldownMs?: number
  /** A cached JWKS older than this is fetched again on the next token. @default 60000 */
  readonly cacheMaxAgeMs?: number
  /** @default 5000 */
  readonly timeoutMs?: number
}

function checkUrl(url: string): URL {
  try {
    const parsed = new URL(url)
    if (parsed.protocol === 'https:' || parsed.protocol === 'http:') return parsed
  } catch {
    // Reported below with the fix.
  }
  throw badOption('jwksUrl', `jwksUrl must be an http(s) URL, got "${url}".`)
}

/**
 * A jose key resolver over a remote JWKS. A fetch that fails becomes `E_TOPOLOGY_JWKS_UNAVAILABLE`
 * (retryable), so the caller can answer 503 rather than call a good token invalid.
 */
export function createRemoteKeys(options: RemoteJwksOptions): JWTVerifyGetKey {
  const { dispatcher } = options
  const remote = createRemoteJWKSet(checkUrl(options.jwksUrl), {
    cooldownDuration: options.cooldownMs ?? 5000,
    cacheMaxAge: options.cacheMaxAgeMs ?? 60_000,
    timeoutDuration: options.timeoutMs ?? 5000,
    ...(dispatcher === undefined
      ? {}
      : {
          [customFetch]: (url: string, init: RequestInit) =>
            undiciFetch(url, { ...(init as object), dispatcher }),
        }),
  })
  return async (header, token) => {
    try {
      return await remote(header, token)
    } catch (error) {
      if (!isJwksFetchFailure(error)) throw error
      throw new TopologyError('E_TOPOLOGY_JWKS_UNAVAILABLE', 'the JWKS could not be fetched', {
        cause: error,
        retryable: true,
        context: { url: options.jwksUrl },
      })
    }
  }
}
