import type { FastifyPluginCallback } from 'fastify'
import type { KeySet } from './key-set.js'

/** Options for {@link jwksPlugin}. */
export interface JwksPluginOptions {
  readonly keySet: KeySet
  /** @default '/.well-known/jwks.json' */
  readonly path?: string
  /**
   * How long clients may cache the JWKS. Keep it below the time between rotations: the next
   * key is published one rotation ahead, so a client that refreshes once per rotation always
   * knows the signing key. @default 60
   */
  readonly maxAgeSeconds?: number
}

/**
 * Fastify plugin for the `auth` service: serves the public JWKS (the signing key, the next
 * key, and retired keys whose tokens may still be valid). The route is public.
 */
export const jwksPlugin: FastifyPluginCallback<JwksPluginOptions> = (app, options, done) => {
  const maxAge = options.maxAgeSeconds ?? 60
  app.get(options.path ?? '/.well-known/jwks.json', { config: { auth: 'public' } }, (_, reply) =>
    reply
      .header('cache-control', `public, max-age=${maxAge}`)
      .type('application/jwk-set+json')
      .send(options.keySet.jwks()),
  )
  done()
}
