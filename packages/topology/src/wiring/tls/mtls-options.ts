import type { SecureContextOptions, TLSSocket } from 'node:tls'
import { Agent } from 'undici'
import type { CertificateBundle } from './certificate-authority.js'

/** The `https` options of a fastify server that requires a client certificate from the CA. */
export interface MtlsServerOptions extends SecureContextOptions {
  readonly requestCert: true
  readonly rejectUnauthorized: true
}

/**
 * HTTPS options for `Fastify({ https: mtlsServerOptions(bundle) })`: the service's own
 * certificate, and a handshake that fails unless the client presents a certificate chaining to
 * the CA. A plain-HTTP client, one without a certificate and one from another CA never reach a
 * route.
 */
export function mtlsServerOptions(bundle: CertificateBundle): MtlsServerOptions {
  return {
    key: bundle.keyPem,
    cert: bundle.certPem,
    ca: bundle.caPem,
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
  }
}

/** Options for {@link createMtlsAgent}, passed on to undici's `Agent`. */
export type MtlsAgentOptions = Omit<Agent.Options, 'connect'>

/**
 * An undici dispatcher that presents the service's certificate and trusts only the CA, so a
 * server with a certificate from elsewhere is refused too. Pass it as `dispatcher` to
 * `request()`/`fetch()`, or to the auth wiring's JWKS and token clients.
 */
export function createMtlsAgent(bundle: CertificateBundle, options: MtlsAgentOptions = {}): Agent {
  return new Agent({
    ...options,
    connect: {
      key: bundle.keyPem,
      cert: bundle.certPem,
      ca: bundle.caPem,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
    },
  })
}

/**
 * The subject CN of the client certificate on an mTLS connection (the calling service's name),
 * or undefined on a plain connection. The handshake already checked the chain.
 */
export function peerCommonName(socket: unknown): string | undefined {
  const tls = socket as Partial<TLSSocket> | undefined
  if (tls?.getPeerCertificate === undefined || tls.authorized !== true) return undefined
  const cn = tls.getPeerCertificate().subject?.CN
  return typeof cn === 'string' ? cn : undefined
}
