import { createHash, timingSafeEqual } from 'node:crypto'
import { badOption } from './auth-error.js'

const CLIENT_ID = /^[a-z][a-z0-9-]{0,62}$/
const MIN_SECRET = 16

const digest = (text: string): Buffer => createHash('sha256').update(text).digest()

/** Per-service client secrets for the token endpoint, compared in constant time. */
export class ClientSecrets {
  readonly #digests = new Map<string, Buffer>()

  constructor(clients: Readonly<Record<string, string>>) {
    for (const [id, secret] of Object.entries(clients)) {
      if (!CLIENT_ID.test(id)) {
        throw badOption('clients', `client id "${id}" must be a lowercase service name.`)
      }
      if (typeof secret !== 'string' || secret.length < MIN_SECRET) {
        throw badOption('clients', `the secret of client ${id} must have at least 16 characters.`)
      }
      this.#digests.set(id, digest(secret))
    }
  }

  /** Whether `secret` is `clientId`'s; an unknown client costs the same comparison. */
  check(clientId: string, secret: string): boolean {
    const expected = this.#digests.get(clientId) ?? digest(`unknown:${clientId}:${secret}x`)
    return timingSafeEqual(expected, digest(secret)) && this.#digests.has(clientId)
  }
}

/** Client id and secret from a `Basic` header (RFC 6749 2.3.1: each form-urlencoded). */
export function readBasic(header: string | undefined): { id: string; secret: string } | undefined {
  const match = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header ?? '')
  if (match?.[1] === undefined) return undefined
  const decoded = Buffer.from(match[1], 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon <= 0) return undefined
  try {
    const id = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '))
    const secret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '))
    return { id, secret }
  } catch {
    return undefined
  }
}

/** The `Basic` header value for a client id and secret. */
export function basicAuthorization(id: string, secret: string): string {
  const encode = (s: string) => encodeURIComponent(s)
  return `Basic ${Buffer.from(`${encode(id)}:${encode(secret)}`).toString('base64')}`
}
