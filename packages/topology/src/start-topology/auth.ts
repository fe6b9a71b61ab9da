import { TopologyError } from '../errors.js'
import type { ServiceAuthConfig } from '../services/shared/service-auth.js'
import { jwksPlugin } from '../wiring/auth/jwks-plugin.js'
import { createKeySet, KeySet } from '../wiring/auth/key-set.js'
import {
  createTokenMinter,
  TOKEN_DEFAULTS,
  type MintTokenRequest,
  type TokenMinter,
} from '../wiring/auth/token-minter.js'
import { createServiceApp } from '../wiring/http/create-service-app.js'

/** `startTopology` issues the tokens itself: it holds the keys and serves their JWKS. */
export interface LocalIssuerOptions {
  /** The signing keys; a fresh key set when absent. */
  readonly keySet?: KeySet
  /** The `iss` of every token. @default 'faultline' */
  readonly issuer?: string
  /** The `aud` of every token. @default 'faultline-services' */
  readonly audience?: string
}

/** An identity provider of the caller's issues the tokens; the services fetch its JWKS. */
export interface ExternalIssuerOptions {
  /** The IdP's JWKS, e.g. `https://idp.example/.well-known/jwks.json`. */
  readonly jwksUrl: string
  /**
   * Gets tokens from the IdP for `startTopology`'s own calls (seeding, `opsState()`) and for
   * `handle.mintToken()`; its `issuer` and `audience` are what the services check.
   */
  readonly minter: TokenMinter
}

/** Who issues the topology's tokens (`startTopology({ auth })`). */
export type TopologyAuthOptions = LocalIssuerOptions | ExternalIssuerOptions

/** What a running topology's callers need to know about its tokens. */
export interface TopologyAuth {
  /** Where the services fetch the public keys. */
  readonly jwksUrl: string
  readonly issuer: string
  readonly audience: string
  /**
   * The signing keys when `startTopology` issues the tokens (`keySet.rotate()` rotates them, and
   * the JWKS follows at once); undefined with an external IdP.
   */
  readonly keySet: KeySet | undefined
}

/** The issuer side of a topology run, as `startTopology` holds it. */
export interface TopologyIssuer extends TopologyAuth {
  /** The `auth` config every service gets. */
  readonly serviceConfig: ServiceAuthConfig
  /** The base URL of the JWKS endpoint `startTopology` serves; undefined with an external IdP. */
  readonly url: string | undefined
  /** A signed token, e.g. `{ role: 'customer', sub: 'alice' }`. */
  mintToken(request: MintTokenRequest): Promise<string>
  /** Stops serving the JWKS. */
  close(): Promise<void>
}

/** The path the JWKS is served at. */
export const JWKS_PATH = '/.well-known/jwks.json'

function invalid(field: string, message: string): TopologyError {
  const option = `auth.${field}`
  return new TopologyError('E_TOPOLOGY_INVALID_OPTION', `startTopology(): ${option} ${message}`, {
    context: { option },
  })
}

function isExternal(options: TopologyAuthOptions): options is ExternalIssuerOptions {
  return 'jwksUrl' in options || 'minter' in options
}

/** Checks `auth` before anything starts, naming what is wrong. */
export function checkAuthOptions(options: TopologyAuthOptions | undefined): void {
  if (options === undefined || !isExternal(options)) {
    if (options?.keySet !== undefined && !(options.keySet instanceof KeySet))
      throw invalid('keySet', 'must come from createKeySet() or importKeySet()')
    return
  }
  let protocol = ''
  try {
    protocol = new URL(options.jwksUrl).protocol
  } catch {
    // Reported below.
  }
  if (protocol !== 'http:' && protocol !== 'https:')
    throw invalid('jwksUrl', `must be an http(s) URL, got ${String(options.jwksUrl)}`)
  const { minter } = options
  if (typeof minter?.mint !== 'function' || !minter.issuer || !minter.audience)
    throw invalid('minter', 'must have mint(), issuer and audience (a TokenMinter)')
}

function issuerOf(
  jwksUrl: string,
  minter: TokenMinter,
  keySet: KeySet | undefined,
  parts: { url?: string; close?: () => Promise<void> } = {},
): TopologyIssuer {
  const { issuer, audience } = minter
  return {
    jwksUrl,
    issuer,
    audience,
    keySet,
    serviceConfig: { jwksUrl, issuer, audience },
    url: parts.url,
    mintToken: (request) => minter.mint(request),
    close: parts.close ?? (() => Promise.resolve()),
  }
}

/** Serves the key set's JWKS on loopback: the topology's auth endpoint. */
async function serveJwks(keySet: KeySet): Promise<{ url: string; close: () => Promise<void> }> {
  // Silent: it runs in the caller's process, whose stdout is the caller's (a CLI's, a test's).
  const app = await createServiceApp({ service: 'auth', logLevel: 'silent' })
  await app.app.register(jwksPlugin, { keySet, path: JWKS_PATH })
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  return { url, close: () => app.app.close() }
}

/**
 * The topology's issuer: with an external IdP, its JWKS and minter as given; otherwise a key set
 * (given or fresh) whose JWKS this process serves on loopback for the services, and a minter
 * over it.
 */
export async function startTopologyIssuer(
  options: TopologyAuthOptions = {},
): Promise<TopologyIssuer> {
  checkAuthOptions(options)
  if (isExternal(options)) return issuerOf(options.jwksUrl, options.minter, undefined)
  const keySet = options.keySet ?? (await createKeySet())
  const minter = createTokenMinter({
    keySet,
    issuer: options.issuer ?? TOKEN_DEFAULTS.issuer,
    audience: options.audience ?? TOKEN_DEFAULTS.audience,
  })
  const served = await serveJwks(keySet)
  return issuerOf(`${served.url}${JWKS_PATH}`, minter, keySet, served)
}
