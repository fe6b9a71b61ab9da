import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { isTopologyError } from '../../../src/errors.js'
import { authKit, call, protectedApp, type AuthKit } from './auth-fixtures.js'
import { HOSTILE_CASES } from './hostile-tokens.js'

let kit: AuthKit
let app: FastifyInstance

beforeAll(async () => {
  kit = await authKit()
  app = await protectedApp(kit.verifier)
})
afterAll(() => app.close())

const reasons = (reason: string | readonly string[]) =>
  typeof reason === 'string' ? [reason] : reason

describe('authPlugin against hostile tokens, over HTTP', () => {
  test('a request without a token gets 401 and a bare Bearer challenge', async () => {
    const answer = await call(app, '/me')
    expect(answer.status).toBe(401)
    expect(answer.challenge).toBe('Bearer realm="faultline"')
    expect(answer.body.code).toBe('E_TOPOLOGY_MISSING_TOKEN')
  })

  test('another scheme (Basic) counts as no token', async () => {
    const answer = await call(app, '/me', 'Basic dXNlcjpwYXNz')
    expect(answer.status).toBe(401)
    expect(answer.challenge).toBe('Bearer realm="faultline"')
  })

  test('a Bearer header whose value is not a b64token gets invalid_token', async () => {
    const answer = await call(app, '/me', 'Bearer a b c')
    expect(answer.status).toBe(401)
    expect(answer.challenge).toContain('error="invalid_token"')
  })

  test.each(HOSTILE_CASES)(
    '$name: 401 invalid_token, refused for the right reason',
    async (hostile) => {
      const token = await hostile.token(kit)
      const answer = await call(app, '/chaos', `Bearer ${token}`, 'POST')
      expect(answer.status, hostile.name).toBe(401)
      expect(answer.challenge, hostile.name).toMatch(
        /^Bearer realm="faultline", error="invalid_token", error_description="[^"]+"$/,
      )
      const refusal = await kit.verifier.verify(token).then(
        () => 'accepted',
        (e: unknown) => (isTopologyError(e) ? e.context.reason : String(e)),
      )
      expect(reasons(hostile.reason), hostile.name).toContain(refusal)
    },
  )

  test('a token that expired within the clock tolerance is still accepted; past it, refused', async () => {
    const token = await kit.minter.mint({ role: 'customer', ttlMs: 60_000 })
    kit.clock.advance(60_000 + 20_000)
    expect((await call(app, '/orders', `Bearer ${token}`)).status).toBe(200)
    kit.clock.advance(15_000)
    const answer = await call(app, '/orders', `Bearer ${token}`)
    expect(answer.status).toBe(401)
    expect(answer.challenge).toContain('error_description="the token has expired"')
  })

  test('a valid token with the wrong role gets 403 insufficient_scope naming the roles', async () => {
    const token = await kit.minter.mint({ role: 'customer', sub: 'alice' })
    const answer = await call(app, '/admin/products', `Bearer ${token}`, 'POST')
    expect(answer.status).toBe(403)
    expect(answer.challenge).toContain('error="insufficient_scope"')
    expect(answer.challenge).toContain('scope="catalog:write"')
    expect(answer.body.code).toBe('E_TOPOLOGY_FORBIDDEN')
  })

  test('a valid token with the route role passes and the identity is on the request', async () => {
    const token = await kit.minter.mint({ role: 'catalog:write', sub: 'admin-1' })
    expect((await call(app, '/admin/products', `Bearer ${token}`, 'POST')).body).toEqual({
      written: true,
    })
    const me = await call(app, '/me', `Bearer ${token}`)
    expect(me.body).toEqual({ sub: 'admin-1', roles: ['catalog:write'] })
  })

  test('public routes need no token', async () => {
    expect((await call(app, '/public')).status).toBe(200)
  })

  test('unknown paths need a token too, so the route map does not leak', async () => {
    expect((await call(app, '/no/such/route')).status).toBe(401)
  })
})
