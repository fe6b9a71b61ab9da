import Fastify, { type FastifyInstance } from 'fastify'
import { Agent, request } from 'undici'
import { afterEach, describe, expect, test } from 'vitest'
import {
  authPlugin,
  basicAuthorization,
  identityGuard,
  localServiceTokens,
  outgoingAuthorization,
  remoteServiceTokens,
  tokenEndpointPlugin,
  type Identity,
} from '../../../src/wiring/auth/index.js'
import { authKit, baseUrl, type AuthKit } from './auth-fixtures.js'

const SECRET = 'orders-secret-0123456789'
const apps: FastifyInstance[] = []
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()))
})

async function listen(app: FastifyInstance): Promise<string> {
  apps.push(app)
  await app.listen({ host: '127.0.0.1', port: 0 })
  return baseUrl(app)
}

/** The auth service's token endpoint, counting the tokens it issues. */
async function tokenService(kit: AuthKit): Promise<{ url: string; issued: () => number }> {
  let issued = 0
  const app = Fastify()
  app.addHook(
    'onResponse',
    (_q, reply, done) => ((issued += reply.statusCode === 200 ? 1 : 0), done()),
  )
  await app.register(tokenEndpointPlugin, { minter: kit.minter, clients: { orders: SECRET } })
  return { url: `${await listen(app)}/oauth/token`, issued: () => issued }
}

async function postToken(url: string, authorization: string, grant = 'client_credentials') {
  const response = await request(url, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
    body: `grant_type=${grant}`,
  })
  return {
    status: response.statusCode,
    body: (await response.body.json()) as Record<string, unknown>,
  }
}

describe('token endpoint (client credentials)', () => {
  test('a service with its secret gets a service token whose sub is its name', async () => {
    const kit = await authKit()
    const { url } = await tokenService(kit)
    const answer = await postToken(url, basicAuthorization('orders', SECRET))
    expect(answer.status).toBe(200)
    expect(answer.body).toMatchObject({ token_type: 'Bearer', expires_in: 900 })
    const identity = await kit.verifier.verify(String(answer.body.access_token))
    expect(identity).toMatchObject({ sub: 'orders', roles: ['service'] })
  })

  test.each([
    [
      'a wrong secret',
      basicAuthorization('orders', 'not-the-secret-at-all'),
      401,
      'invalid_client',
    ],
    ['an unknown client', basicAuthorization('payments', SECRET), 401, 'invalid_client'],
    ['no credentials', 'Bearer x', 401, 'invalid_client'],
  ])('%s is refused', async (_name, authorization, status, error) => {
    const { url } = await tokenService(await authKit())
    const answer = await postToken(url, authorization)
    expect(answer).toMatchObject({ status, body: { error } })
  })

  test('another grant type gets unsupported_grant_type', async () => {
    const { url } = await tokenService(await authKit())
    const answer = await postToken(url, basicAuthorization('orders', SECRET), 'password')
    expect(answer).toMatchObject({ status: 400, body: { error: 'unsupported_grant_type' } })
  })

  test('short client secrets are refused at registration', async () => {
    const kit = await authKit()
    const app = Fastify()
    await expect(
      app.register(tokenEndpointPlugin, { minter: kit.minter, clients: { orders: 'short' } }),
    ).rejects.toMatchObject({ code: 'E_TOPOLOGY_INVALID_OPTION' })
  })
})

describe('service tokens', () => {
  test('remoteServiceTokens() fetches once, reuses the token, and refreshes it before expiry', async () => {
    const kit = await authKit()
    const service = await tokenService(kit)
    const tokens = remoteServiceTokens({
      tokenUrl: service.url,
      clientId: 'orders',
      clientSecret: SECRET,
      clock: kit.clock,
    })
    const [a, b] = await Promise.all([tokens.token(), tokens.token()])
    expect(a).toBe(b)
    expect(service.issued()).toBe(1)
    kit.clock.advance(15 * 60_000 - 59_000)
    await tokens.token()
    expect(service.issued()).toBe(2)
  })

  test('a wrong secret fails with E_TOPOLOGY_TOKEN_REFUSED naming the fix', async () => {
    const kit = await authKit()
    const service = await tokenService(kit)
    const tokens = remoteServiceTokens({
      tokenUrl: service.url,
      clientId: 'orders',
      clientSecret: 'wrong-secret-wrong-secret',
    })
    await expect(tokens.token()).rejects.toMatchObject({
      code: 'E_TOPOLOGY_TOKEN_REFUSED',
      message: expect.stringMatching(/answered 401.*clientSecret/) as unknown,
    })
  })
})

describe('outgoing identity', () => {
  const caller: Identity = {
    sub: 'alice',
    roles: ['customer'],
    expiresAt: 0,
    token: 'caller.jwt.x',
  }

  test('outgoingAuthorization() forwards the caller token, else uses a service token', async () => {
    const kit = await authKit()
    const service = localServiceTokens({ minter: kit.minter, service: 'orders', clock: kit.clock })
    expect(await outgoingAuthorization({ identity: caller }, service)).toBe('Bearer caller.jwt.x')
    const own = await outgoingAuthorization(undefined, service)
    expect(await kit.verifier.verify(own.slice('Bearer '.length))).toMatchObject({
      sub: 'orders',
      roles: ['service'],
    })
  })

  test('outgoingAuthorization() with no caller and no service tokens throws E_TOPOLOGY_NO_IDENTITY', async () => {
    await expect(outgoingAuthorization({ identity: undefined })).rejects.toMatchObject({
      code: 'E_TOPOLOGY_NO_IDENTITY',
    })
  })

  test('identityGuard() stops a request without Authorization before it leaves', async () => {
    const kit = await authKit()
    let served = 0
    const app = Fastify()
    await app.register(authPlugin, { verifier: kit.verifier })
    app.get('/inventory', { config: { auth: { roles: ['service'] } } }, () => ((served += 1), 'ok'))
    const url = `${await listen(app)}/inventory`
    const agent = new Agent().compose(identityGuard())
    await expect(request(url, { dispatcher: agent })).rejects.toMatchObject({
      code: 'E_TOPOLOGY_NO_IDENTITY',
    })
    expect(served).toBe(0)
    const tokens = localServiceTokens({ minter: kit.minter, service: 'orders', clock: kit.clock })
    const authorization = await outgoingAuthorization(undefined, tokens)
    const ok = await request(url, { dispatcher: agent, headers: { authorization } })
    expect(ok.statusCode).toBe(200)
    await ok.body.text()
    expect(served).toBe(1)
    await agent.close()
  })
})
