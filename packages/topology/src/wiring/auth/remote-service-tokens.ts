import { request as undiciRequest, type Dispatcher } from 'undici'
import { TopologyError } from '../../errors.js'
import { basicAuthorization } from './client-secrets.js'
import { systemClock, type Clock } from './clock.js'
import { createServiceTokenSource, type ServiceTokenSource } from './service-tokens.js'

/** Options for {@link remoteServiceTokens}. */
export interface RemoteServiceTokensOptions {
  /** The auth service's token endpoint, e.g. `https://127.0.0.1:4100/oauth/token`. */
  readonly tokenUrl: string
  /** This service's name. */
  readonly clientId: string
  readonly clientSecret: string
  /** e.g. the service's mTLS agent. */
  readonly dispatcher?: Dispatcher
  /** @default 5000 */
  readonly timeoutMs?: number
  readonly clock?: Clock
}

interface TokenResponse {
  readonly access_token?: unknown
  readonly expires_in?: unknown
}

async function fetchServiceToken(options: RemoteServiceTokensOptions, clock: Clock) {
  const started = clock.now()
  const timeout = options.timeoutMs ?? 5000
  const response = await undiciRequest(options.tokenUrl, {
    method: 'POST',
    headers: {
      authorization: basicAuthorization(options.clientId, options.clientSecret),
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
    headersTimeout: timeout,
    bodyTimeout: timeout,
    ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
  })
  const body = (await response.body.json().catch(() => ({}))) as TokenResponse
  const { access_token: token, expires_in: expiresIn } = body
  if (response.statusCode !== 200 || typeof token !== 'string' || typeof expiresIn !== 'number') {
    throw new TopologyError(
      'E_TOPOLOGY_TOKEN_REFUSED',
      `the token endpoint answered ${response.statusCode} without a token: check clientId and clientSecret.`,
      { context: { status: response.statusCode, url: options.tokenUrl }, retryable: true },
    )
  }
  return { token, expiresAt: started + expiresIn * 1000 }
}

/** Service tokens from the auth service's client-credentials endpoint, cached until near expiry. */
export function remoteServiceTokens(options: RemoteServiceTokensOptions): ServiceTokenSource {
  const clock = options.clock ?? systemClock
  return createServiceTokenSource({ clock, fetchToken: () => fetchServiceToken(options, clock) })
}
