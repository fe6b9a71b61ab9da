import { isIP } from 'node:net'
import { TopologyError } from '../../errors.js'

/** What a certificate is for. */
export interface CertificateRequest {
  /** The subject CN, e.g. the service name `orders`; callers can read it off the peer certificate. */
  readonly commonName: string
  /** DNS names in the subjectAltName. @default ['localhost', commonName] */
  readonly dnsNames?: readonly string[]
  /** IP addresses in the subjectAltName. @default ['127.0.0.1', '::1'] */
  readonly ipAddresses?: readonly string[]
  /** @default 604800000 (7 days) */
  readonly validityMs?: number
}

/** A request with its defaults applied and checked. */
export interface CheckedRequest {
  readonly commonName: string
  readonly dnsNames: readonly string[]
  readonly ipAddresses: readonly string[]
  readonly validityMs: number
}

const DNS_NAME =
  /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i
const DAY = 86_400_000

function bad(option: string, message: string, commonName?: string): TopologyError {
  return new TopologyError('E_TOPOLOGY_INVALID_OPTION', message, {
    context: { option, commonName },
  })
}

/** Checks a validity period: from one minute to ten years. */
export function checkValidity(validityMs: number, option = 'validityMs'): number {
  if (Number.isSafeInteger(validityMs) && validityMs >= 60_000 && validityMs <= 3650 * DAY) {
    return validityMs
  }
  throw bad(option, `${option} must be an integer from 60000 (1 min) to 10 years in ms.`)
}

/** Applies defaults and checks every name, so a typo fails before any key is made. */
export function checkRequest(request: CertificateRequest): CheckedRequest {
  const { commonName } = request
  if (typeof commonName !== 'string' || !DNS_NAME.test(commonName)) {
    throw bad(
      'commonName',
      `commonName must be a DNS-style name such as "orders", got "${String(commonName)}".`,
    )
  }
  const dnsNames = request.dnsNames ?? ['localhost', commonName]
  const ipAddresses = request.ipAddresses ?? ['127.0.0.1', '::1']
  for (const name of dnsNames) {
    if (!DNS_NAME.test(name)) throw bad('dnsNames', `"${name}" is not a DNS name.`, commonName)
  }
  for (const ip of ipAddresses) {
    if (isIP(ip) === 0) throw bad('ipAddresses', `"${ip}" is not an IP address.`, commonName)
  }
  return {
    commonName,
    dnsNames,
    ipAddresses,
    validityMs: checkValidity(request.validityMs ?? 7 * DAY),
  }
}
