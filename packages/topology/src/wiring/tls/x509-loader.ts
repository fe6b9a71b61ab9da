import { webcrypto } from 'node:crypto'
import type * as X509 from '@peculiar/x509'

type X509Module = typeof X509

let loaded: Promise<X509Module> | undefined

/**
 * Loads `@peculiar/x509` on Node's WebCrypto. It needs a Reflect metadata polyfill (tsyringe),
 * a process-wide change, so it is loaded only by the process that issues certificates (the one
 * that starts the topology); services get PEM text and never load it.
 */
export function loadX509(): Promise<X509Module> {
  loaded ??= (async () => {
    await import('reflect-metadata')
    const x509 = await import('@peculiar/x509')
    x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0])
    return x509
  })()
  return loaded
}

/** ECDSA on P-256 with SHA-256: what every TLS stack accepts, and fast to generate. */
export const EC_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const

/** A fresh P-256 key pair, extractable so its private key can be written as PEM. */
export async function generateEcKeys(): Promise<webcrypto.CryptoKeyPair> {
  return await webcrypto.subtle.generateKey(EC_ALGORITHM, true, ['sign', 'verify'])
}

/** A private key as PKCS#8 PEM. */
export async function privateKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key)
  const base64 = Buffer.from(der).toString('base64')
  const lines = base64.match(/.{1,64}/g) ?? []
  return `-----BEGIN PRIVATE KEY-----\n${lines.join('\n')}\n-----END PRIVATE KEY-----\n`
}
