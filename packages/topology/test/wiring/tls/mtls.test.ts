import { X509Certificate } from 'node:crypto'
import Fastify, { type FastifyInstance } from 'fastify'
import { Agent, request } from 'undici'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  createCertificateAuthority,
  createMtlsAgent,
  issueServiceCertificates,
  mtlsServerOptions,
  peerCommonName,
  type CertificateAuthority,
  type CertificateBundle,
} from '../../../src/wiring/tls/index.js'

interface Server {
  readonly app: FastifyInstance
  readonly url: string
  readonly handled: () => number
  /** TLS connections that completed and were accepted ('secureConnection'). */
  readonly accepted: () => number
}

async function mtlsServer(bundle: CertificateBundle): Promise<Server> {
  let handled = 0
  let accepted = 0
  const app = Fastify({ https: mtlsServerOptions(bundle) })
  app.server.on('secureConnection', () => (accepted += 1))
  app.get('/whoami', (req) => ((handled += 1), { caller: peerCommonName(req.raw.socket) }))
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return {
    app,
    url: `https://127.0.0.1:${port}/whoami`,
    handled: () => handled,
    accepted: () => accepted,
  }
}

/**
 * Resolves with the first handshake error from now on whose code matches `pattern` (a refused
 * connection can also end with a later ECONNRESET); rejects after 10 s, naming what was seen.
 */
function handshakeError(server: Server, pattern: RegExp): Promise<string> {
  const seen: string[] = []
  return new Promise((resolve, reject) => {
    const onError = (error: Error & { code?: string }) => {
      const code = error.code ?? error.message
      seen.push(code)
      if (!pattern.test(code)) return
      clearTimeout(timer)
      server.app.server.off('tlsClientError', onError)
      resolve(code)
    }
    const timer = setTimeout(() => {
      server.app.server.off('tlsClientError', onError)
      reject(new Error(`no handshake error like ${pattern} within 10 s; saw ${seen.join(', ')}`))
    }, 10_000)
    server.app.server.on('tlsClientError', onError)
  })
}

let ca: CertificateAuthority
let certs: Record<string, CertificateBundle>
let strangerCert: CertificateBundle
let server: Server

beforeAll(async () => {
  ca = await createCertificateAuthority()
  certs = await issueServiceCertificates(ca, ['orders', 'inventory'])
  const stranger = await createCertificateAuthority({ commonName: 'Somebody else' })
  strangerCert = await stranger.issue({ commonName: 'inventory' })
  server = await mtlsServer(certs.orders as CertificateBundle)
})
afterAll(() => server.app.close())

/** How a request ended: `answered <status>`, or the error code that stopped it. */
async function refusal(url: string, dispatcher?: Agent): Promise<string> {
  try {
    const response = await request(url, dispatcher === undefined ? {} : { dispatcher })
    await response.body.text()
    return `answered ${response.statusCode}`
  } catch (error) {
    return (error as { code?: string }).code ?? String(error)
  } finally {
    await dispatcher?.close()
  }
}

describe('mutual TLS between services', () => {
  test('a client with its CA-signed certificate is served, and the server sees its name', async () => {
    const accepted = server.accepted()
    const agent = createMtlsAgent(certs.inventory as CertificateBundle)
    const response = await request(server.url, { dispatcher: agent })
    expect(server.accepted()).toBe(accepted + 1)
    expect(response.statusCode).toBe(200)
    expect(await response.body.json()).toEqual({ caller: 'inventory' })
    await agent.close()
  })

  test('a plain-HTTP client is refused at the handshake, before any route', async () => {
    const [before, accepted] = [server.handled(), server.accepted()]
    const handshake = handshakeError(server, /WRONG_VERSION_NUMBER|HTTP_REQUEST/)
    const outcome = await refusal(server.url.replace('https:', 'http:'))
    expect(outcome).not.toMatch(/^answered/)
    await handshake
    expect(server.accepted()).toBe(accepted)
    expect(server.handled()).toBe(before)
  })

  test('a client without a certificate is refused at the handshake', async () => {
    const [before, accepted] = [server.handled(), server.accepted()]
    const handshake = handshakeError(server, /PEER_DID_NOT_RETURN_A_CERTIFICATE/)
    const noCert = new Agent({ connect: { ca: ca.certPem } })
    expect(await refusal(server.url, noCert)).toMatch(
      /CERTIFICATE_REQUIRED|ECONNRESET|UND_ERR_SOCKET/,
    )
    await handshake
    expect(server.accepted()).toBe(accepted)
    expect(server.handled()).toBe(before)
  })

  test('a client whose certificate comes from another CA is refused at the handshake', async () => {
    const [handled, accepted] = [server.handled(), server.accepted()]
    // Node checks the client chain when the handshake ends and destroys the socket before
    // 'secureConnection': nothing of the request is read.
    const stranger = createMtlsAgent({ ...strangerCert, caPem: ca.certPem })
    expect(await refusal(server.url, stranger)).toMatch(/ECONNRESET|UND_ERR_SOCKET|UNKNOWN_CA/)
    expect(server.accepted()).toBe(accepted)
    expect(server.handled()).toBe(handled)
  })

  test('a client refuses a server whose certificate comes from another CA', async () => {
    const impostor = await mtlsServer(strangerCert)
    try {
      const outcome = await refusal(
        impostor.url,
        createMtlsAgent(certs.orders as CertificateBundle),
      )
      expect(outcome).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/)
      expect(impostor.handled()).toBe(0)
    } finally {
      await impostor.app.close()
    }
  })
})

describe('issued certificates', () => {
  test('each carries its name, SANs for localhost and 127.0.0.1, both usages, and chains to the CA', () => {
    const cert = new X509Certificate((certs.orders as CertificateBundle).certPem)
    const caCert = new X509Certificate(ca.certPem)
    expect(cert.subject).toBe('CN=orders')
    expect(cert.subjectAltName).toBe(
      'DNS:localhost, DNS:orders, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1',
    )
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1')
    expect(cert.checkHost('localhost')).toBe('localhost')
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2'])
    expect(cert.ca).toBe(false)
    expect(caCert.ca).toBe(true)
    expect(cert.checkIssued(caCert)).toBe(true)
    expect(cert.verify(caCert.publicKey)).toBe(true)
    expect(cert.publicKey.asymmetricKeyDetails).toEqual({ namedCurve: 'prime256v1' })
    expect(cert.serialNumber).not.toBe(
      new X509Certificate((certs.inventory as CertificateBundle).certPem).serialNumber,
    )
  })

  test.each([
    ['a common name with spaces', { commonName: 'order service' }, 'commonName'],
    ['a bad IP SAN', { commonName: 'orders', ipAddresses: ['300.1.1.1'] }, 'ipAddresses'],
    ['a bad DNS SAN', { commonName: 'orders', dnsNames: ['-x-'] }, 'dnsNames'],
    ['a validity of one second', { commonName: 'orders', validityMs: 1000 }, 'validityMs'],
  ])('issue() refuses %s with E_TOPOLOGY_INVALID_OPTION', async (_name, req, option) => {
    await expect(ca.issue(req)).rejects.toMatchObject({
      code: 'E_TOPOLOGY_INVALID_OPTION',
      context: { option },
    })
  })
})
