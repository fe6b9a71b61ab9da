import type { JWK } from 'jose'
import { badOption } from './auth-error.js'

/** One key in a {@link KeySetDocument}. */
export interface KeyDocument {
  readonly state: 'current' | 'next' | 'retired'
  /** The Ed25519 private key as a JWK (`kty: OKP`, `crv: Ed25519`, `x`, `d`). */
  readonly privateJwk: JWK
  readonly createdAt: number
  readonly retiredAt?: number
}

/** A key set with its private keys, as JSON; it is a secret, pass it only to the auth service. */
export interface KeySetDocument {
  readonly version: 1
  readonly maxTokenTtlMs: number
  readonly clockToleranceMs: number
  readonly keys: readonly KeyDocument[]
}

const B64URL = /^[A-Za-z0-9_-]+$/

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function checkKey(value: unknown, index: number): KeyDocument {
  const where = `keySet.keys[${index}]`
  if (!isRecord(value)) throw badOption(where, `${where} must be an object.`)
  const { state, privateJwk: jwk, createdAt, retiredAt } = value
  if (state !== 'current' && state !== 'next' && state !== 'retired') {
    throw badOption(where, `${where}.state must be current, next or retired.`)
  }
  const okp =
    isRecord(jwk) &&
    jwk.kty === 'OKP' &&
    jwk.crv === 'Ed25519' &&
    typeof jwk.x === 'string' &&
    B64URL.test(jwk.x) &&
    typeof jwk.d === 'string' &&
    B64URL.test(jwk.d)
  if (!okp) throw badOption(where, `${where}.privateJwk must be an Ed25519 private JWK (x and d).`)
  if (!Number.isSafeInteger(createdAt)) throw badOption(where, `${where}.createdAt must be ms.`)
  if (retiredAt !== undefined && !Number.isSafeInteger(retiredAt)) {
    throw badOption(where, `${where}.retiredAt must be ms when present.`)
  }
  return value as unknown as KeyDocument
}

/** Checks an unknown value field by field; the error names the first bad field. */
export function checkKeySetDocument(value: unknown): KeySetDocument {
  if (!isRecord(value) || value.version !== 1 || !Array.isArray(value.keys)) {
    throw badOption('keySet', 'the key set document must be { version: 1, keys: [...] }.')
  }
  for (const field of ['maxTokenTtlMs', 'clockToleranceMs'] as const) {
    if (!Number.isSafeInteger(value[field])) {
      throw badOption(`keySet.${field}`, `keySet.${field} must be an integer number of ms.`)
    }
  }
  value.keys.forEach(checkKey)
  return value as unknown as KeySetDocument
}
