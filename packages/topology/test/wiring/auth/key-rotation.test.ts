import Fastify, { type FastifyInstance } from 'fastify'
import { afterEach, describe, expect, test } from 'vitest'
import {
  authPlugin,
  createTokenVerifier,
  importKeySet,
  jwksPlugin,
  type KeySet,
} from '../../../src/wiring/auth/index.js'
import { authKit, baseUrl } from './auth-fixtures.js'

const apps: FastifyInstance[] = []
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()))
})

/** An `auth` service serving the JWKS, counting how often it is fetched. */
async function authService(keySet: KeySet): Promise<{ url: string; fetches: () => number }> {
  let fetches = 0
  const app = Fastify()
  apps.push(app)
  app.addHook('onRequest', (_request, _reply, done) => ((fetches += 1), done()))
  await app.register(jwksPlugin, { keySet })
  await app.listen({ host: '127.0.0.1', port: 0 })
  return { url: `${baseUrl(app)}/.well-known/jwks.json`, fetches: () => fetches }
}

describe('KeySet rotation', () => {
  test('tokens signed before and after rotate() both verify until they expire', async () => {
    const { keySet, minter, verifier, clock } = await authKit()
    const before = await minter.mint({ role: 'customer', ttlMs: 10 * 60_000 })
    const oldKid = keySet.current.kid
    await keySet.rotate()
    expect(keySet.current.kid).not.toBe(oldKid)
    const after = await minter.mint({ role: 'customer', ttlMs: 10 * 60_000 })
    await expect(verifier.verify(before)).resolves.toMatchObject({ roles: ['customer'] })
    await expect(verifier.verify(after)).resolves.toMatchObject({ roles: ['customer'] })
    clock.advance(10 * 60_000 + 31_000)
    await expect(verifier.verify(before)).rejects.toMatchObject({ context: { reason: 'expired' } })
  })

  test('a retired key leaves the JWKS once every token it signed has expired', async () => {
    const { keySet, clock } = await authKit()
    const retiredKid = keySet.current.kid
    await keySet.rotate()
    expect(keySet.jwks().keys.map((k) => k.kid)).toContain(retiredKid)
    clock.advance(keySet.maxTokenTtlMs + keySet.clockToleranceMs - 1)
    expect(keySet.jwks().keys.map((k) => k.kid)).toContain(retiredKid)
    clock.advance(1)
    expect(keySet.jwks().keys.map((k) => k.kid)).not.toContain(retiredKid)
    expect(keySet.jwks().keys).toHaveLength(2)
  })

  test('the JWKS holds public keys only, each with kid, alg EdDSA and use sig', async () => {
    const { keySet } = await authKit()
    for (const key of keySet.jwks().keys) {
      expect(Object.keys(key).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x'])
      expect(key).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' })
    }
  })

  test('a remote verifier that cached the JWKS before a rotation accepts the new key without refetching', async () => {
    const { keySet, minter, clock } = await authKit()
    const auth = await authService(keySet)
    // A long cooldown: had the new signing key not been published ahead, this would refuse it.
    const verifier = createTokenVerifier({
      keys: { jwksUrl: auth.url, cooldownMs: 600_000, cacheMaxAgeMs: 600_000 },
      clock,
    })
    const before = await minter.mint({ role: 'ops' })
    await expect(verifier.verify(before)).resolves.toMatchObject({ roles: ['ops'] })
    await keySet.rotate()
    const after = await minter.mint({ role: 'ops' })
    await expect(verifier.verify(after)).resolves.toMatchObject({ roles: ['ops'] })
    await expect(verifier.verify(before)).resolves.toMatchObject({ roles: ['ops'] })
    expect(auth.fetches()).toBe(1)
  })

  test('a remote verifier whose JWKS is unreachable answers 503 with Retry-After, not 401', async () => {
    const { minter, clock } = await authKit()
    const verifier = createTokenVerifier({
      keys: { jwksUrl: 'http://127.0.0.1:9/.well-known/jwks.json', timeoutMs: 2000 },
      clock,
    })
    await expect(verifier.verify(await minter.mint({ role: 'ops' }))).rejects.toMatchObject({
      code: 'E_TOPOLOGY_JWKS_UNAVAILABLE',
      retryable: true,
    })
    const app = Fastify()
    apps.push(app)
    await app.register(authPlugin, { verifier })
    app.get('/x', () => 'ok')
    const response = await app.inject({
      url: '/x',
      headers: { authorization: `Bearer ${await minter.mint({ role: 'ops' })}` },
    })
    expect(response.statusCode).toBe(503)
    expect(response.headers['retry-after']).toBe('5')
  })

  test('export() and importKeySet() round-trip: each side verifies the other side tokens', async () => {
    const { keySet, minter, clock } = await authKit()
    await keySet.rotate()
    const copy = await importKeySet(JSON.parse(JSON.stringify(keySet.export())), { clock })
    expect(copy.jwks()).toEqual(keySet.jwks())
    const verifier = createTokenVerifier({ keys: copy, clock })
    await expect(verifier.verify(await minter.mint({ role: 'service' }))).resolves.toBeDefined()
  })

  test.each([
    ['not an object', 'nope', /version: 1/],
    ['a missing next key', 'drop-next', /one current and one next/],
    ['a key that is not Ed25519', 'rsa', /Ed25519 private JWK/],
    ['a bad createdAt', 'created', /createdAt/],
  ])(
    'importKeySet() refuses %s with E_TOPOLOGY_INVALID_OPTION',
    async (_name, variant, message) => {
      const { keySet } = await authKit()
      const doc = JSON.parse(JSON.stringify(keySet.export())) as {
        keys: { state: string; privateJwk: Record<string, unknown>; createdAt: unknown }[]
      }
      const first = doc.keys[0]
      if (first === undefined) throw new Error('empty key set')
      if (variant === 'drop-next') doc.keys = doc.keys.filter((k) => k.state !== 'next')
      if (variant === 'rsa') first.privateJwk = { kty: 'RSA', n: 'AQAB', e: 'AQAB' }
      if (variant === 'created') first.createdAt = 'yesterday'
      const input = variant === 'nope' ? 'nope' : doc
      await expect(importKeySet(input)).rejects.toMatchObject({
        code: 'E_TOPOLOGY_INVALID_OPTION',
        message,
      })
    },
  )
})
