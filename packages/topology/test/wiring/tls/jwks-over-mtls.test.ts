import Fastify from 'fastify'
import { describe, expect, test } from 'vitest'
import {
  createKeySet,
  createTokenMinter,
  createTokenVerifier,
  jwksPlugin,
  remoteServiceTokens,
  tokenEndpointPlugin,
} from '../../../src/wiring/auth/index.js'
import {
  createCertificateAuthority,
  createMtlsAgent,
  issueServiceCertificates,
  mtlsServerOptions,
  type CertificateBundle,
} from '../../../src/wiring/tls/index.js'

describe('auth endpoints behind mTLS', () => {
  test('a service fetches the JWKS and a service token with its own client certificate', async () => {
    const ca = await createCertificateAuthority()
    const certs = await issueServiceCertificates(ca, ['auth', 'orders'])
    const keySet = await createKeySet()
    const minter = createTokenMinter({ keySet })
    const auth = Fastify({ https: mtlsServerOptions(certs.auth as CertificateBundle) })
    await auth.register(jwksPlugin, { keySet })
    await auth.register(tokenEndpointPlugin, {
      minter,
      clients: { orders: 'orders-secret-0123456789' },
    })
    await auth.listen({ host: '127.0.0.1', port: 0 })
    const address = auth.server.address()
    const base = `https://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
    const agent = createMtlsAgent(certs.orders as CertificateBundle)
    try {
      const tokens = remoteServiceTokens({
        tokenUrl: `${base}/oauth/token`,
        clientId: 'orders',
        clientSecret: 'orders-secret-0123456789',
        dispatcher: agent,
      })
      const jwksUrl = `${base}/.well-known/jwks.json`
      const verifier = createTokenVerifier({ keys: { jwksUrl, dispatcher: agent } })
      await expect(verifier.verify(await tokens.token())).resolves.toMatchObject({
        sub: 'orders',
        roles: ['service'],
      })
      const withoutCert = createTokenVerifier({ keys: { jwksUrl } })
      await expect(withoutCert.verify(await minter.mint({ role: 'ops' }))).rejects.toMatchObject({
        code: 'E_TOPOLOGY_JWKS_UNAVAILABLE',
      })
    } finally {
      await agent.close()
      await auth.close()
    }
  })
})
