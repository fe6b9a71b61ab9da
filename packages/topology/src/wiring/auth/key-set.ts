import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type CryptoKey,
  type JWK,
} from 'jose'
import { badOption } from './auth-error.js'
import { systemClock, type Clock } from './clock.js'
import { checkKeySetDocument, type KeySetDocument } from './key-set-document.js'

/** The only signing algorithm: Ed25519 signatures (JWS `alg: EdDSA`). */
export const SIGNING_ALGORITHM = 'EdDSA'

/** Options for {@link createKeySet} and {@link importKeySet}. */
export interface KeySetOptions {
  /** The longest lifetime a token signed by these keys may have. @default 86400000 (24 h) */
  readonly maxTokenTtlMs?: number
  /** Clock skew verifiers allow; a retired key stays this much longer. @default 30000 */
  readonly clockToleranceMs?: number
  readonly clock?: Clock
}

/** One key in the set; `next` is published ahead of use so verifiers know it before it signs. */
export interface KeyEntry {
  readonly kid: string
  readonly privateKey: CryptoKey
  readonly publicKey: CryptoKey
  readonly privateJwk: JWK
  readonly publicJwk: JWK
  readonly createdAt: number
  readonly retiredAt?: number
}

/** A JSON Web Key Set as served at `/.well-known/jwks.json`. */
export interface Jwks {
  readonly keys: readonly JWK[]
}

/** A private key's JWK with what a verifier needs to know about its use. */
function publicJwkOf(jwk: JWK, kid: string): JWK {
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, kid, alg: SIGNING_ALGORITHM, use: 'sig' }
}

async function newKey(now: number): Promise<KeyEntry> {
  const pair = await generateKeyPair(SIGNING_ALGORITHM, { crv: 'Ed25519', extractable: true })
  return await entryFromJwk(await exportJWK(pair.privateKey), now, undefined)
}

async function entryFromJwk(
  privateJwk: JWK,
  createdAt: number,
  retiredAt: number | undefined,
): Promise<KeyEntry> {
  const kid = await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: privateJwk.x })
  const publicJwk = publicJwkOf(privateJwk, kid)
  const [privateKey, publicKey] = await Promise.all([
    importJWK({ ...privateJwk, alg: SIGNING_ALGORITHM }, SIGNING_ALGORITHM, { extractable: true }),
    importJWK(publicJwk, SIGNING_ALGORITHM),
  ])
  const base = { kid, privateJwk: { ...privateJwk, kid }, publicJwk, createdAt }
  return {
    ...base,
    privateKey: privateKey as CryptoKey,
    publicKey: publicKey as CryptoKey,
    ...(retiredAt === undefined ? {} : { retiredAt }),
  }
}

function checkDuration(option: string, value: number, min: number): number {
  if (Number.isSafeInteger(value) && value >= min) return value
  throw badOption(option, `${option} must be an integer of at least ${min} ms, got ${value}.`)
}

/**
 * The token signing keys of one issuer, with rotation. One key signs (`current`); the `next` key
 * is already in the JWKS, so a verifier that cached the JWKS before a rotation knows the new
 * signing key at once; retired keys stay in the JWKS until every token they signed has expired
 * (`maxTokenTtlMs` + `clockToleranceMs` after retirement), so rotation drops no valid token.
 */
export class KeySet {
  readonly maxTokenTtlMs: number
  readonly clockToleranceMs: number
  readonly #clock: Clock
  #current: KeyEntry
  #next: KeyEntry
  #retired: KeyEntry[]
  #rotating: Promise<void> = Promise.resolve()

  constructor(
    keys: { current: KeyEntry; next: KeyEntry; retired: readonly KeyEntry[] },
    options: KeySetOptions = {},
  ) {
    this.maxTokenTtlMs = checkDuration('maxTokenTtlMs', options.maxTokenTtlMs ?? 86_400_000, 1000)
    this.clockToleranceMs = checkDuration('clockToleranceMs', options.clockToleranceMs ?? 30_000, 0)
    this.#clock = options.clock ?? systemClock
    this.#current = keys.current
    this.#next = keys.next
    this.#retired = [...keys.retired]
  }

  /** The key that signs new tokens. */
  get current(): KeyEntry {
    return this.#current
  }

  /** Retired keys still needed to verify tokens they signed, newest first. */
  get retired(): readonly KeyEntry[] {
    this.#prune()
    return [...this.#retired]
  }

  /** The public key for `kid`, while it is published; undefined for an unknown or pruned key. */
  publicKey(kid: string | undefined): CryptoKey | undefined {
    if (kid === undefined) return undefined
    return this.#published().find((k) => k.kid === kid)?.publicKey
  }

  /** The public JWKS: the signing key, the next one, and retired keys still in use. */
  jwks(): Jwks {
    return { keys: this.#published().map((k) => k.publicJwk) }
  }

  /**
   * Makes the pre-published next key the signing key, retires the current one, and publishes a
   * new next key. Concurrent calls run one after another.
   */
  rotate(): Promise<void> {
    const run = this.#rotating.then(async () => {
      const now = this.#clock.now()
      const upcoming = await newKey(now)
      this.#retired.unshift({ ...this.#current, retiredAt: now })
      this.#current = this.#next
      this.#next = upcoming
      this.#prune()
    })
    this.#rotating = run.catch(() => undefined)
    return run
  }

  /** Every key with its private part, for handing the set to the auth service's process. */
  export(): KeySetDocument {
    this.#prune()
    const doc = (k: KeyEntry, state: 'current' | 'next' | 'retired') => ({
      state,
      privateJwk: k.privateJwk,
      createdAt: k.createdAt,
      ...(k.retiredAt === undefined ? {} : { retiredAt: k.retiredAt }),
    })
    return {
      version: 1,
      maxTokenTtlMs: this.maxTokenTtlMs,
      clockToleranceMs: this.clockToleranceMs,
      keys: [
        doc(this.#current, 'current'),
        doc(this.#next, 'next'),
        ...this.#retired.map((k) => doc(k, 'retired')),
      ],
    }
  }

  #published(): KeyEntry[] {
    this.#prune()
    return [this.#current, this.#next, ...this.#retired]
  }

  #prune(): void {
    const keepFor = this.maxTokenTtlMs + this.clockToleranceMs
    const now = this.#clock.now()
    this.#retired = this.#retired.filter((k) => (k.retiredAt ?? now) + keepFor > now)
  }
}

/** Generates a key set: a fresh Ed25519 signing key and a pre-published next key. */
export async function createKeySet(options: KeySetOptions = {}): Promise<KeySet> {
  const now = (options.clock ?? systemClock).now()
  const [current, next] = await Promise.all([newKey(now), newKey(now)])
  return new KeySet({ current, next, retired: [] }, options)
}

/**
 * Rebuilds a key set from {@link KeySet.export}'s document (say, from a child process's
 * config). A document that is not one fails with `E_TOPOLOGY_INVALID_OPTION` naming the problem.
 */
export async function importKeySet(
  document: unknown,
  options: Omit<KeySetOptions, 'maxTokenTtlMs' | 'clockToleranceMs'> = {},
): Promise<KeySet> {
  const doc = checkKeySetDocument(document)
  const entries = await Promise.all(
    doc.keys.map(async (k) => ({
      state: k.state,
      entry: await entryFromJwk(k.privateJwk, k.createdAt, k.retiredAt),
    })),
  )
  const pick = (state: string) => entries.filter((e) => e.state === state).map((e) => e.entry)
  const [current] = pick('current')
  const [next] = pick('next')
  if (current === undefined || next === undefined) {
    throw badOption('keySet', 'the key set document needs one current and one next key.')
  }
  return new KeySet(
    { current, next, retired: pick('retired') },
    { ...options, maxTokenTtlMs: doc.maxTokenTtlMs, clockToleranceMs: doc.clockToleranceMs },
  )
}
