import { TopologyError } from '../../errors.js'
import { systemClock, type Clock } from './clock.js'
import type { Identity } from './identity.js'
import type { TokenMinter } from './token-minter.js'

/** A token with its expiry, as a token source hands it out. */
export interface ExpiringToken {
  readonly token: string
  /** Epoch ms. */
  readonly expiresAt: number
}

/** Hands out a valid service token, fetching a new one shortly before the old one expires. */
export interface ServiceTokenSource {
  token(): Promise<string>
}

/** Options for {@link createServiceTokenSource}. */
export interface ServiceTokenSourceOptions {
  /** Gets a fresh token: mint it locally, or ask the auth service's token endpoint. */
  readonly fetchToken: () => Promise<ExpiringToken>
  /** A token this close to expiry is replaced before use. @default 60000 */
  readonly refreshMarginMs?: number
  readonly clock?: Clock
}

/**
 * Caches one service token and refreshes it `refreshMarginMs` before it expires. Concurrent
 * callers share one refresh; a failed refresh is not cached, so the next call tries again.
 */
export function createServiceTokenSource(options: ServiceTokenSourceOptions): ServiceTokenSource {
  const clock = options.clock ?? systemClock
  const margin = options.refreshMarginMs ?? 60_000
  let cached: ExpiringToken | undefined
  let pending: Promise<ExpiringToken> | undefined
  const refresh = (): Promise<ExpiringToken> => {
    pending ??= options.fetchToken().finally(() => (pending = undefined))
    return pending
  }
  return {
    async token() {
      if (cached === undefined || cached.expiresAt - margin <= clock.now()) cached = await refresh()
      return cached.token
    },
  }
}

/** Options for {@link localServiceTokens}. */
export interface LocalServiceTokensOptions {
  readonly minter: TokenMinter
  /** The calling service's name; the token's `sub`. */
  readonly service: string
  /** @default 900000 (15 min) */
  readonly ttlMs?: number
  readonly clock?: Clock
}

/** Service tokens minted in this process (for a process that holds the key set). */
export function localServiceTokens(options: LocalServiceTokensOptions): ServiceTokenSource {
  const clock = options.clock ?? systemClock
  const ttlMs = options.ttlMs ?? 15 * 60_000
  return createServiceTokenSource({
    clock,
    fetchToken: async () => {
      const expiresAt = clock.now() + ttlMs
      const token = await options.minter.mint({ role: 'service', sub: options.service, ttlMs })
      return { token, expiresAt }
    },
  })
}

/**
 * The `Authorization` value for a call made while serving `request`: the caller's own token
 * when there is one (the callee sees who asked), else a service token. Throws
 * `E_TOPOLOGY_NO_IDENTITY` when there is neither, so a call never leaves without an identity.
 */
export async function outgoingAuthorization(
  request: { readonly identity?: Identity | undefined } | undefined,
  serviceTokens?: ServiceTokenSource,
): Promise<string> {
  const forwarded = request?.identity?.token
  if (forwarded !== undefined) return `Bearer ${forwarded}`
  if (serviceTokens !== undefined) return `Bearer ${await serviceTokens.token()}`
  throw new TopologyError(
    'E_TOPOLOGY_NO_IDENTITY',
    'an outgoing call has no identity: serve it from an authenticated request or pass a service token source.',
  )
}
