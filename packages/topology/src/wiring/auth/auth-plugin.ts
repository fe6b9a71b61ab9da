import type { FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { isTopologyError, type TopologyErrorCode } from '../../errors.js'
import { bearerChallenge, checkRealm, readBearer, type BearerChallenge } from './bearer.js'
import type { Identity } from './identity.js'
import { checkRouteAccess, isAllowed, type RouteAccess } from './route-access.js'
import type { TokenVerifier } from './token-verifier.js'
import { REASON_TEXT } from './verify-errors.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified caller, set by the auth plugin; undefined on public routes. */
    identity: Identity | undefined
  }
  interface FastifyContextConfig {
    /** Who may call this route; the auth plugin's `defaultAccess` when absent. */
    auth?: RouteAccess
  }
}

/** Options for {@link authPlugin}. */
export interface AuthPluginOptions {
  readonly verifier: TokenVerifier
  /** The `realm` of every challenge. @default 'faultline' */
  readonly realm?: string
  /** Access for routes without `config.auth`, unknown paths included. @default 'authenticated' */
  readonly defaultAccess?: RouteAccess
}

interface Refusal {
  readonly status: 401 | 403 | 503
  readonly code: TopologyErrorCode
  readonly message: string
  readonly challenge?: BearerChallenge
}

function refuse(reply: FastifyReply, realm: string, refusal: Refusal): FastifyReply {
  if (refusal.challenge !== undefined) {
    reply.header('www-authenticate', bearerChallenge(realm, refusal.challenge))
  }
  if (refusal.status === 503) reply.header('retry-after', '5')
  const error = { 401: 'Unauthorized', 403: 'Forbidden', 503: 'Service Unavailable' }
  return reply.code(refusal.status).send({
    statusCode: refusal.status,
    error: error[refusal.status],
    code: refusal.code,
    message: refusal.message,
  })
}

function refusalFor(error: unknown): Refusal {
  if (isTopologyError(error) && error.code === 'E_TOPOLOGY_JWKS_UNAVAILABLE') {
    const message = 'the token cannot be checked now: the JWKS is unavailable'
    return { status: 503, code: error.code, message }
  }
  const description = isTopologyError(error) ? error.message : REASON_TEXT.malformed // an unexpected failure
  return {
    status: 401,
    code: 'E_TOPOLOGY_INVALID_TOKEN',
    message: description,
    challenge: { error: 'invalid_token', description },
  }
}

function forbidden(access: RouteAccess): Refusal {
  const scope = typeof access === 'string' ? '' : access.roles.join(' ')
  const message = `this route needs one of the roles: ${scope}`
  return {
    status: 403,
    code: 'E_TOPOLOGY_FORBIDDEN',
    message,
    challenge: { error: 'insufficient_scope', description: message, scope },
  }
}

const MISSING: Refusal = {
  status: 401,
  code: 'E_TOPOLOGY_MISSING_TOKEN',
  message: 'this route needs a bearer token (Authorization: Bearer <token>)',
  challenge: {},
}

async function identify(
  request: FastifyRequest,
  verifier: TokenVerifier,
  access: RouteAccess,
): Promise<Refusal | undefined> {
  const credentials = readBearer(request.headers.authorization)
  if (credentials.kind === 'missing') return MISSING
  if (credentials.kind === 'malformed') return refusalFor(undefined)
  try {
    request.identity = await verifier.verify(credentials.token)
  } catch (error) {
    return refusalFor(error)
  }
  return isAllowed(request.identity, access) ? undefined : forbidden(access)
}

function install(app: FastifyInstance, options: AuthPluginOptions): void {
  const realm = checkRealm(options.realm ?? 'faultline')
  const defaultAccess = checkRouteAccess(options.defaultAccess ?? 'authenticated', '(default)')
  app.decorateRequest('identity', undefined)
  app.addHook('onRoute', (route) => {
    const access = (route.config as { auth?: unknown } | undefined)?.auth
    if (access !== undefined) checkRouteAccess(access, `${String(route.method)} ${route.url}`)
  })
  // onRequest: a refused caller costs no body parsing and no validation.
  app.addHook('onRequest', async (request, reply) => {
    const access = request.routeOptions.config.auth ?? defaultAccess
    if (access === 'public') return
    const refusal = await identify(request, options.verifier, access)
    if (refusal !== undefined) return refuse(reply, realm, refusal)
  })
}

const plugin: FastifyPluginCallback<AuthPluginOptions> = (app, options, done) => {
  try {
    install(app, options)
    done()
  } catch (error) {
    done(error as Error)
  }
}

/**
 * Fastify plugin: every route needs a valid bearer token unless its `config.auth` says
 * otherwise. A missing or invalid token gets 401 with an RFC 6750 `WWW-Authenticate` challenge;
 * a valid token without the route's role gets 403 (`insufficient_scope`); a remote JWKS that
 * cannot be fetched gets 503 with `Retry-After`. The caller is `request.identity`.
 */
export const authPlugin = fp(plugin, { fastify: '5.x', name: 'faultline-auth' })
