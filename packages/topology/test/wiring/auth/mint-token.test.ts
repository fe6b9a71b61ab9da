import Fastify from 'fastify'
import { describe, expect, test } from 'vitest'
import { authPlugin, mintToken } from '../../../src/wiring/auth/index.js'
import { authKit } from './auth-fixtures.js'

/** The decoded header and payload of a compact JWT, unverified: for assertions only. */
function decodeForTest(token: string) {
  const [header = '', payload = ''] = token.split('.')
  const parse = (s: string) =>
    JSON.parse(Buffer.from(s, 'base64url').toString()) as Record<string, unknown>
  return { header: parse(header), payload: parse(payload) }
}

describe('mintToken()', () => {
  test('mints a token with the role, sub, issuer, audience and TTL asked for', async () => {
    const { keySet, verifier, clock } = await authKit()
    const token = await mintToken({ keySet, clock, role: 'ops', sub: 'oncall', ttlMs: 120_000 })
    const { header, payload } = decodeForTest(token)
    expect(header).toEqual({ alg: 'EdDSA', kid: keySet.current.kid, typ: 'JWT' })
    expect(payload).toMatchObject({
      roles: ['ops'],
      sub: 'oncall',
      iss: 'faultline',
      aud: 'faultline-services',
    })
    expect(Number(payload.exp) - Number(payload.iat)).toBe(120)
    expect(typeof payload.jti).toBe('string')
    await expect(verifier.verify(token)).resolves.toMatchObject({ sub: 'oncall' })
  })

  test.each([
    [
      'an unknown role',
      { role: 'admin' },
      /role must be one of customer, catalog:write, ops, service/,
    ],
    ['a sub with spaces', { role: 'ops', sub: 'a b' }, /sub must be/],
    ['a TTL under a second', { role: 'ops', ttlMs: 10 }, /ttlMs must be an integer from 1000/],
    ['a TTL over the key set maximum', { role: 'ops', ttlMs: 2 * 86_400_000 }, /maxTokenTtlMs/],
  ])('refuses %s with E_TOPOLOGY_INVALID_OPTION', async (_name, request, message) => {
    const { keySet } = await authKit()
    await expect(mintToken({ keySet, ...(request as { role: 'ops' }) })).rejects.toMatchObject({
      code: 'E_TOPOLOGY_INVALID_OPTION',
      message,
    })
  })
})

describe('authPlugin route rules', () => {
  test('a route with an unknown role in config.auth fails when registered', async () => {
    const { verifier } = await authKit()
    const app = Fastify()
    await app.register(authPlugin, { verifier })
    expect(() =>
      app.get('/x', { config: { auth: { roles: ['root' as 'ops'] } } }, () => 'x'),
    ).toThrow(/config.auth must be/)
  })

  test('a realm with a quote is refused at registration', async () => {
    const { verifier } = await authKit()
    await expect(Fastify().register(authPlugin, { verifier, realm: 'a"b' })).rejects.toMatchObject({
      code: 'E_TOPOLOGY_INVALID_OPTION',
    })
  })
})
