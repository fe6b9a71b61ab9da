import type { FastifyPluginCallback, RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import { TopologyError } from '../../errors.js'
import { authPlugin } from '../../wiring/auth/auth-plugin.js'
import { createTokenVerifier, type TokenVerifier } from '../../wiring/auth/token-verifier.js'
import { isProbeRoute, type ServicePlugin } from '../../wiring/http/create-service-app.js'
import { routeAccessOf, type ServiceKind } from './route-access.js'

/** How a service checks tokens: the issuer's JWKS and the claims every token must carry. */
export interface ServiceAuthConfig {
  /** The issuer's public keys, e.g. `startTopology`'s auth endpoint or an IdP's JWKS. */
  readonly jwksUrl: string
  /** The `iss` every token must carry. */
  readonly issuer: string
  /** The `aud` every token must carry. */
  readonly audience: string
  /** Skew allowed on `exp` and `nbf`. @default 30000 */
  readonly clockToleranceMs?: number
}

/** The JSON Schema of {@link ServiceAuthConfig}, for a service's config schema (`auth`). */
export const SERVICE_AUTH_CONFIG_SCHEMA = {
  type: 'object',
  required: ['jwksUrl', 'issuer', 'audience'],
  additionalProperties: false,
  properties: {
    jwksUrl: { type: 'string', minLength: 1, maxLength: 2000, pattern: '^https?://' },
    issuer: { type: 'string', minLength: 1, maxLength: 500 },
    audience: { type: 'string', minLength: 1, maxLength: 500 },
    clockToleranceMs: { type: 'integer', minimum: 0, maximum: 300_000, default: 30_000 },
  },
} as const

/** Options of {@link routeAccessPlugin}. */
export interface RouteAccessPluginOptions {
  readonly service: ServiceKind
}

function methodsOf(route: RouteOptions): string[] {
  return Array.isArray(route.method) ? route.method : [route.method]
}

/** Gives a route its rule from `ROUTE_ACCESS`, or refuses to register a route that has none. */
function assignAccess(service: ServiceKind, route: RouteOptions): void {
  if (isProbeRoute(route.config)) {
    route.config = { ...route.config, auth: 'public' }
    return
  }
  const rules = methodsOf(route).map((method) => routeAccessOf(service, method, route.url))
  const [rule] = rules
  const consistent = rules.every((other) => JSON.stringify(other) === JSON.stringify(rule))
  if (rule === undefined || rules.includes(undefined) || !consistent) {
    const name = `${methodsOf(route).join(',')} ${route.url}`
    throw new TopologyError(
      'E_TOPOLOGY_ROUTE_ACCESS',
      `${service}: ${name} has no access rule; add it to ROUTE_ACCESS in src/services/shared/route-access.ts.`,
      { context: { service, route: name } },
    )
  }
  route.config = { ...route.config, auth: rule }
}

const routeAccess: FastifyPluginCallback<RouteAccessPluginOptions> = (app, options, done) => {
  app.addHook('onRoute', (route) => assignAccess(options.service, route))
  done()
}

/**
 * Fastify plugin: each route's `config.auth` comes from `ROUTE_ACCESS` for `service`; the probes
 * are public; a route the table does not list fails to register (`E_TOPOLOGY_ROUTE_ACCESS`).
 */
export const routeAccessPlugin = fp(routeAccess, { fastify: '5.x', name: 'faultline-route-access' })

/**
 * The plugins that protect one service's routes with `verifier`: the access rules from
 * `ROUTE_ACCESS`, then the auth plugin (401 with a Bearer challenge, 403 for a wrong role).
 */
export function accessPlugins(service: ServiceKind, verifier: TokenVerifier): ServicePlugin[] {
  return [
    { name: 'route-access', plugin: routeAccessPlugin, options: { service } },
    { name: 'auth', plugin: authPlugin, options: { verifier } },
  ]
}

/** {@link accessPlugins} with a verifier over the issuer's remote JWKS, as a service process runs them. */
export function serviceAuthPlugins(service: ServiceKind, auth: ServiceAuthConfig): ServicePlugin[] {
  const verifier = createTokenVerifier({
    keys: { jwksUrl: auth.jwksUrl },
    issuer: auth.issuer,
    audience: auth.audience,
    ...(auth.clockToleranceMs === undefined ? {} : { clockToleranceMs: auth.clockToleranceMs }),
  })
  return accessPlugins(service, verifier)
}
