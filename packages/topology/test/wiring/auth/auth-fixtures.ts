import Fastify, { type FastifyInstance } from 'fastify'
import { request } from 'undici'
import {
  authPlugin,
  createKeySet,
  createTokenMinter,
  createTokenVerifier,
  type Clock,
  type KeySet,
  type TokenMinter,
  type TokenVerifier,
  type TokenVerifierOptions,
} from '../../../src/wiring/auth/index.js'

/** A clock the test moves by hand. */
export class FakeClock implements Clock {
  constructor(public ms = Date.UTC(2026, 11, 7, 12)) {}
  now(): number {
    return this.ms
  }
  advance(ms: number): void {
    this.ms += ms
  }
}

/** Everything an auth test needs: a key set, a minter, a verifier, one clock. */
export interface AuthKit {
  readonly clock: FakeClock
  readonly keySet: KeySet
  readonly minter: TokenMinter
  readonly verifier: TokenVerifier
}

/** A key set with a minter and a local verifier on one fake clock. */
export async function authKit(verifier: Partial<TokenVerifierOptions> = {}): Promise<AuthKit> {
  const clock = new FakeClock()
  const keySet = await createKeySet({ clock })
  const minter = createTokenMinter({ keySet, clock })
  return {
    clock,
    keySet,
    minter,
    verifier: createTokenVerifier({ keys: keySet, clock, ...verifier }),
  }
}

/** A fastify app with the auth plugin and one route per access rule, listening on loopback. */
export async function protectedApp(verifier: TokenVerifier): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(authPlugin, { verifier })
  app.get('/public', { config: { auth: 'public' } }, () => ({ ok: true }))
  app.get('/me', (req) => ({ sub: req.identity?.sub, roles: req.identity?.roles }))
  app.post('/admin/products', { config: { auth: { roles: ['catalog:write'] } } }, () => ({
    written: true,
  }))
  app.get('/orders', { config: { auth: { roles: ['customer'] } } }, (req) => ({
    owner: req.identity?.sub,
  }))
  app.post('/chaos', { config: { auth: { roles: ['ops'] } } }, () => ({ armed: true }))
  await app.listen({ host: '127.0.0.1', port: 0 })
  return app
}

/** The base URL of a listening app. */
export function baseUrl(app: FastifyInstance): string {
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('app is not listening')
  return `http://127.0.0.1:${address.port}`
}

/** What a test reads from a response. */
export interface Answer {
  readonly status: number
  readonly challenge: string | undefined
  readonly body: Record<string, unknown>
}

/** Calls the app with an optional raw Authorization header value. */
export async function call(
  app: FastifyInstance,
  path: string,
  authorization?: string,
  method: 'GET' | 'POST' = 'GET',
): Promise<Answer> {
  const response = await request(`${baseUrl(app)}${path}`, {
    method,
    headers: authorization === undefined ? {} : { authorization },
  })
  const text = await response.body.text()
  const challenge = response.headers['www-authenticate']
  return {
    status: response.statusCode,
    challenge: Array.isArray(challenge) ? challenge.join(', ') : challenge,
    body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
  }
}
