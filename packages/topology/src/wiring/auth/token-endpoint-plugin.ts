import type { FastifyInstance, FastifyPluginCallback, FastifyReply } from 'fastify'
import { ClientSecrets, readBasic } from './client-secrets.js'
import type { TokenMinter } from './token-minter.js'

/** Options for {@link tokenEndpointPlugin}. */
export interface TokenEndpointOptions {
  readonly minter: TokenMinter
  /** Service name -> client secret (at least 16 characters each). */
  readonly clients: Readonly<Record<string, string>>
  /** Lifetime of an issued service token. @default 900000 (15 min) */
  readonly ttlMs?: number
  /** @default '/oauth/token' */
  readonly path?: string
}

type OAuthError = 'invalid_request' | 'invalid_client' | 'unsupported_grant_type'

function oauthError(reply: FastifyReply, status: 400 | 401, error: OAuthError, text: string) {
  if (status === 401) reply.header('www-authenticate', 'Basic realm="faultline-token"')
  return reply.code(status).header('cache-control', 'no-store').send({
    error,
    error_description: text,
  })
}

function formBody(body: unknown): URLSearchParams {
  return body instanceof URLSearchParams ? body : new URLSearchParams()
}

/**
 * Fastify plugin for the `auth` service: an OAuth 2.0 client-credentials token endpoint
 * (RFC 6749 4.4). A service authenticates with HTTP Basic (its name and secret) and receives a
 * token with the `service` role and `sub` = its name, so service-to-service calls carry an
 * identity without every service holding the signing key.
 */
export const tokenEndpointPlugin: FastifyPluginCallback<TokenEndpointOptions> = (
  app,
  options,
  done,
) => {
  try {
    registerTokenRoute(app, options, new ClientSecrets(options.clients))
    done()
  } catch (error) {
    done(error as Error)
  }
}

function registerTokenRoute(
  app: FastifyInstance,
  options: TokenEndpointOptions,
  secrets: ClientSecrets,
): void {
  const ttlMs = options.ttlMs ?? 15 * 60_000
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 1024 },
    (_request, body, done) => done(null, new URLSearchParams(body as string)),
  )
  const config = { auth: 'public' as const }
  app.post(options.path ?? '/oauth/token', { config, bodyLimit: 1024 }, async (request, reply) => {
    const form = formBody(request.body)
    if (form.get('grant_type') !== 'client_credentials') {
      return oauthError(
        reply,
        400,
        'unsupported_grant_type',
        'grant_type must be client_credentials',
      )
    }
    const client = readBasic(request.headers.authorization)
    if (client === undefined || !secrets.check(client.id, client.secret)) {
      return oauthError(reply, 401, 'invalid_client', 'unknown client or wrong secret')
    }
    const token = await options.minter.mint({ role: 'service', sub: client.id, ttlMs })
    return reply.header('cache-control', 'no-store').send({
      access_token: token,
      token_type: 'Bearer',
      expires_in: Math.floor(ttlMs / 1000),
    })
  })
}
