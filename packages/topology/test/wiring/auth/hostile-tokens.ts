import { createHmac } from 'node:crypto'
import { exportSPKI, SignJWT } from 'jose'
import {
  createKeySet,
  createTokenMinter,
  type Clock,
  type KeySet,
  type TokenMinter,
} from '../../../src/wiring/auth/index.js'

/**
 * What hostile tokens are made from: the real key set and minter (and the clock they use), as
 * an `AuthKit` has them or a running topology (`handle.auth.keySet`).
 */
export interface TokenKit {
  readonly clock: Clock
  readonly keySet: KeySet
  readonly minter: TokenMinter
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')

/** The payload of a valid customer token minted now, for hand-built tokens. */
function claims(kit: TokenKit): Record<string, unknown> {
  const now = Math.floor(kit.clock.now() / 1000)
  return {
    roles: ['ops'],
    sub: 'mallory',
    iss: kit.minter.issuer,
    aud: kit.minter.audience,
    iat: now,
    nbf: now,
    exp: now + 600,
  }
}

/** A minter on another clock, issuer or audience, signing with the kit's real key. */
function minterWith(kit: TokenKit, changes: { at?: number; issuer?: string; audience?: string }) {
  return createTokenMinter({
    keySet: kit.keySet,
    clock: { now: () => changes.at ?? kit.clock.now() },
    issuer: changes.issuer ?? kit.minter.issuer,
    audience: changes.audience ?? kit.minter.audience,
  })
}

/** Replaces the payload of a signed token and keeps its signature. */
export function tamper(token: string, change: (payload: Record<string, unknown>) => void): string {
  const [header = '', payload = '', signature = ''] = token.split('.')
  const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<
    string,
    unknown
  >
  change(decoded)
  return `${header}.${b64(decoded)}.${signature}`
}

/** Signs `claims` with another key set's key but claims the real key's `kid`. */
async function signedWithWrongKey(kit: TokenKit, kid: string): Promise<string> {
  const impostor: KeySet = await createKeySet()
  return await new SignJWT(claims(kit))
    .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'JWT' })
    .sign(impostor.current.privateKey)
}

/** HS256 with the verifier's own public key (its SPKI PEM) as the HMAC secret. */
async function hs256WithPublicKey(kit: TokenKit): Promise<string> {
  const pem = await exportSPKI(kit.keySet.current.publicKey)
  const input = `${b64({ alg: 'HS256', kid: kit.keySet.current.kid, typ: 'JWT' })}.${b64(claims(kit))}`
  return `${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`
}

/** A validly signed token padded past the size limit. */
async function oversized(kit: TokenKit, bytes: number): Promise<string> {
  return await new SignJWT({ ...claims(kit), pad: 'x'.repeat(bytes) })
    .setProtectedHeader({ alg: 'EdDSA', kid: kit.keySet.current.kid, typ: 'JWT' })
    .sign(kit.keySet.current.privateKey)
}

/** One hostile token, the reason the verifier must give, and how it was made. */
export interface HostileCase {
  readonly name: string
  /** Accepted reasons: a cut signature may also stop being canonical base64url. */
  readonly reason: string | readonly string[]
  readonly token: (kit: TokenKit) => Promise<string>
}

const MINUTE = 60_000

const now = (kit: TokenKit) => kit.clock.now()
const valid = (kit: TokenKit) => kit.minter.mint({ role: 'ops', sub: 'mallory' })

/** Every hostile token the issue names, each with the reason that must refuse it. */
export const HOSTILE_CASES: readonly HostileCase[] = [
  {
    name: 'expired (past the clock tolerance)',
    reason: 'expired',
    token: (kit) => minterWith(kit, { at: now(kit) - 16 * MINUTE }).mint({ role: 'ops' }),
  },
  {
    name: 'not yet valid (nbf past the clock tolerance)',
    reason: 'not_yet_valid',
    token: (kit) => minterWith(kit, { at: now(kit) + 5 * MINUTE }).mint({ role: 'ops' }),
  },
  {
    name: 'wrong issuer',
    reason: 'issuer',
    token: (kit) => minterWith(kit, { issuer: 'evil-idp' }).mint({ role: 'ops' }),
  },
  {
    name: 'wrong audience',
    reason: 'audience',
    token: (kit) => minterWith(kit, { audience: 'another-api' }).mint({ role: 'ops' }),
  },
  {
    name: 'alg none with an empty signature',
    reason: 'malformed',
    token: (kit) => Promise.resolve(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims(kit))}.`),
  },
  {
    name: 'alg none with a made-up signature',
    reason: 'algorithm',
    token: (kit) => Promise.resolve(`${b64({ alg: 'none' })}.${b64(claims(kit))}.AAAA`),
  },
  {
    name: 'HS256 signed with the public key',
    reason: 'algorithm',
    token: (kit) => hs256WithPublicKey(kit),
  },
  {
    name: 'signed by another key under the real kid',
    reason: 'signature',
    token: (kit) => signedWithWrongKey(kit, kit.keySet.current.kid),
  },
  {
    name: 'signed by another key under an unknown kid',
    reason: 'unknown_key',
    token: (kit) => signedWithWrongKey(kit, 'no-such-key'),
  },
  {
    name: 'tampered payload (role raised, signature kept)',
    reason: 'signature',
    token: async (kit) =>
      tamper(await kit.minter.mint({ role: 'customer' }), (p) => (p.roles = ['ops'])),
  },
  {
    name: 'truncated signature',
    reason: ['signature', 'malformed'],
    token: async (kit) => (await valid(kit)).slice(0, -4),
  },
  {
    name: 'truncated to two segments',
    reason: 'malformed',
    token: async (kit) => (await valid(kit)).split('.').slice(0, 2).join('.'),
  },
  { name: 'oversized (validly signed)', reason: 'too_large', token: (kit) => oversized(kit, 5000) },
]
