import { randomBytes } from 'node:crypto'
import { systemClock, type Clock } from '../auth/clock.js'
import { checkRequest, checkValidity, type CertificateRequest } from './certificate-request.js'
import { isTopologyError, TopologyError } from '../../errors.js'
import { EC_ALGORITHM, generateEcKeys, loadX509, privateKeyPem } from './x509-loader.js'

/** A certificate, its private key and the CA that signed it, all PEM: what TLS options take. */
export interface CertificateBundle {
  readonly commonName: string
  readonly certPem: string
  /** PKCS#8; a secret: hand it only to the process it belongs to. */
  readonly keyPem: string
  /** The CA certificate to trust: peers must chain to it. */
  readonly caPem: string
}

/** Options for {@link createCertificateAuthority}. */
export interface CertificateAuthorityOptions {
  /** @default 'Faultline local CA' */
  readonly commonName?: string
  /** @default 2592000000 (30 days) */
  readonly validityMs?: number
  readonly clock?: Clock
}

/** A private CA whose key never leaves this process; it signs service certificates. */
export interface CertificateAuthority {
  /** The CA certificate, for every peer's trust store. */
  readonly certPem: string
  /** Issues a certificate for both TLS server and client use (mTLS), signed by this CA. */
  issue(request: CertificateRequest): Promise<CertificateBundle>
}

/** Backdating absorbs small clock differences between processes and machines. */
const BACKDATE_MS = 5 * 60_000

/** A positive 128-bit serial number (RFC 5280: positive, at most 20 octets, unpredictable). */
function serialNumber(): string {
  const bytes = randomBytes(16)
  bytes[0] = (bytes[0] ?? 0) & 0x7f
  return bytes.toString('hex')
}

async function selfSigned(name: string, validityMs: number, now: number) {
  const x509 = await loadX509()
  const keys = await generateEcKeys()
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: [{ CN: [name] }],
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(now + validityMs),
    signingAlgorithm: EC_ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  })
  return { cert, keys }
}

type Issuer = Awaited<ReturnType<typeof selfSigned>>

async function issueLeaf(
  ca: Issuer,
  request: CertificateRequest,
  now: number,
): Promise<CertificateBundle> {
  const r = checkRequest(request)
  const x509 = await loadX509()
  const keys = await generateEcKeys()
  const names = [
    ...r.dnsNames.map((value) => ({ type: 'dns' as const, value })),
    ...r.ipAddresses.map((value) => ({ type: 'ip' as const, value })),
  ]
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: [{ CN: [r.commonName] }],
    issuer: ca.cert.subject,
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(now + r.validityMs),
    signingAlgorithm: EC_ALGORITHM,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([
        x509.ExtendedKeyUsage.serverAuth,
        x509.ExtendedKeyUsage.clientAuth,
      ]),
      new x509.SubjectAlternativeNameExtension(names),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
    ],
  })
  return {
    commonName: r.commonName,
    certPem: cert.toString('pem'),
    keyPem: await privateKeyPem(keys.privateKey),
    caPem: ca.cert.toString('pem'),
  }
}

/**
 * Creates a private certificate authority (ECDSA P-256, through `@peculiar/x509` on Node's
 * WebCrypto). Its certificates carry both serverAuth and clientAuth, so one per service serves
 * HTTPS and presents itself as a client for mTLS.
 */
export async function createCertificateAuthority(
  options: CertificateAuthorityOptions = {},
): Promise<CertificateAuthority> {
  const clock = options.clock ?? systemClock
  const validityMs = checkValidity(options.validityMs ?? 30 * 86_400_000)
  const name = options.commonName ?? 'Faultline local CA'
  const ca = await selfSigned(name, validityMs, clock.now()).catch((error: unknown) => {
    throw new TopologyError(
      'E_TOPOLOGY_CERTIFICATE_FAILED',
      `creating the certificate authority ${name} failed.`,
      {
        context: { commonName: name },
        cause: error,
      },
    )
  })
  return {
    certPem: ca.cert.toString('pem'),
    async issue(request) {
      try {
        return await issueLeaf(ca, request, clock.now())
      } catch (error) {
        if (isTopologyError(error)) throw error
        throw new TopologyError(
          'E_TOPOLOGY_CERTIFICATE_FAILED',
          `issuing a certificate for ${request.commonName} failed.`,
          {
            context: { commonName: request.commonName },
            cause: error,
          },
        )
      }
    },
  }
}

/** One certificate per service name, each with SANs `localhost`, its name, 127.0.0.1 and ::1. */
export async function issueServiceCertificates(
  ca: CertificateAuthority,
  services: readonly string[],
): Promise<Record<string, CertificateBundle>> {
  const bundles = await Promise.all(services.map((commonName) => ca.issue({ commonName })))
  return Object.fromEntries(bundles.map((b) => [b.commonName, b]))
}
