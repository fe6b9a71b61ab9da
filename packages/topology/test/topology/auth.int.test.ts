import { randomUUID } from 'node:crypto'
import { decodeProtectedHeader, SignJWT } from 'jose'
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  createTokenMinter,
  startTopology,
  type KeySet,
  type Role,
  type TopologyHandle,
} from '../../src/index.js'
import { ROUTE_ACCESS, type ServiceKind } from '../../src/services/shared/route-access.js'
import { systemClock } from '../../src/wiring/auth/clock.js'
import { client } from '../helpers.js'
import { HOSTILE_CASES, type TokenKit } from '../wiring/auth/hostile-tokens.js'

/** One real route of one running service, and a call that passes with the right token. */
interface Route {
  readonly service: string
  readonly kind: ServiceKind
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH'
  /** The route as `ROUTE_ACCESS` names it. */
  readonly route: string
  readonly path: () => string
  readonly body?: () => unknown
  readonly headers?: () => Record<string, string>
  /** Who the passing call is made as. */
  readonly as: { readonly role: Role; readonly sub?: string }
  /** Statuses of a passing call. */
  readonly ok: readonly number[]
}

interface Answer {
  readonly status: number
  readonly challenge: string | undefined
  readonly body: Record<string, unknown>
}

let topology: TopologyHandle
let kit: TokenKit
let product: string
let aliceOrder: string

const base = (service: string, instance = 1): string => {
  if (service === 'catalog-query-lb') return topology.lbUrl
  const url = topology.service(service).instance(instance).url
  if (url === undefined) throw new Error(`${service} #${instance} has no url`)
  return url
}

const ROUTES: readonly Route[] = [
  {
    service: 'catalog-admin',
    kind: 'catalog-admin',
    method: 'PATCH',
    route: 'PATCH /products/:id/price',
    path: () => `/products/${product}/price`,
    body: () => ({ priceCents: 1_234 }),
    as: { role: 'catalog:write' },
    ok: [200],
  },
  ...['catalog-query-lb', 'catalog-query#1', 'catalog-query#2'].map((service): Route => ({
    service,
    kind: 'catalog-query',
    method: 'GET',
    route: 'GET /products/:id',
    path: () => `/products/${product}`,
    as: { role: 'customer', sub: 'alice' },
    ok: [200],
  })),
  {
    service: 'catalog-query#2',
    kind: 'catalog-query',
    method: 'POST',
    route: 'POST /ops/test/bus',
    path: () => '/ops/test/bus',
    body: () => ({ drop: false }),
    as: { role: 'ops' },
    ok: [200],
  },
  {
    service: 'search',
    kind: 'search',
    method: 'GET',
    route: 'GET /search',
    path: () => '/search?q=amber',
    as: { role: 'customer', sub: 'alice' },
    ok: [200],
  },
  {
    service: 'search',
    kind: 'search',
    method: 'GET',
    route: 'GET /ops/state',
    path: () => '/ops/state',
    as: { role: 'ops' },
    ok: [200],
  },
  {
    service: 'orders',
    kind: 'orders',
    method: 'POST',
    route: 'POST /orders',
    path: () => '/orders',
    body: () => ({ customerId: 'alice', productId: product, quantity: 1, amountCents: 100 }),
    headers: () => ({ 'idempotency-key': randomUUID() }),
    as: { role: 'customer', sub: 'alice' },
    ok: [201],
  },
  {
    service: 'orders',
    kind: 'orders',
    method: 'GET',
    route: 'GET /orders/:id',
    path: () => `/orders/${aliceOrder}`,
    as: { role: 'customer', sub: 'alice' },
    ok: [200],
  },
  {
    service: 'inventory',
    kind: 'inventory',
    method: 'PUT',
    route: 'PUT /admin/stock/:productId',
    path: () => `/admin/stock/${product}`,
    body: () => ({ available: 1_000 }),
    as: { role: 'ops' },
    ok: [200],
  },
  {
    service: 'inventory',
    kind: 'inventory',
    method: 'GET',
    route: 'GET /stock/:productId',
    path: () => `/stock/${product}`,
    as: { role: 'service', sub: 'orders' },
    ok: [200],
  },
  {
    service: 'payments',
    kind: 'payments',
    method: 'PUT',
    route: 'PUT /admin/chaos',
    path: () => '/admin/chaos',
    body: () => ({ failureRate: 0 }),
    as: { role: 'ops' },
    ok: [200],
  },
  ...['shipping', 'relay-catalog', 'relay-orders'].map((service): Route => ({
    service,
    kind: service === 'shipping' ? 'shipping' : 'relay',
    method: 'GET',
    route: 'GET /ops/state',
    path: () => '/ops/state',
    as: { role: 'ops' },
    ok: [200],
  })),
]

async function call(route: Route, authorization?: string): Promise<Answer> {
  const [service = '', instance = '1'] = route.service.split('#')
  const body = route.body?.()
  const response = await request(new URL(route.path(), base(service, Number(instance))), {
    dispatcher: client,
    method: route.method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...route.headers?.(),
      ...(authorization === undefined ? {} : { authorization }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await response.body.text()
  const challenge = response.headers['www-authenticate']
  return {
    status: response.statusCode,
    challenge: Array.isArray(challenge) ? challenge.join(', ') : challenge,
    body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
  }
}

async function bearer(role: Role, sub?: string): Promise<string> {
  return `Bearer ${await topology.mintToken({ role, ...(sub === undefined ? {} : { sub }) })}`
}

/** A validly signed token whose only role is one no route knows (the verifier drops it). */
async function tokenWithoutKnownRole(keySet: KeySet): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  const token = await new SignJWT({ roles: ['admin'] })
    .setProtectedHeader({ alg: 'EdDSA', kid: keySet.current.kid, typ: 'JWT' })
    .setIssuer(topology.auth.issuer)
    .setAudience(topology.auth.audience)
    .setSubject('mallory')
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(keySet.current.privateKey)
  return `Bearer ${token}`
}

/** Roles a route refuses. */
function refusedRoles(route: Route): Role[] {
  const access = ROUTE_ACCESS[route.kind][route.route]
  if (access === undefined || typeof access === 'string') return []
  const all: Role[] = ['customer', 'catalog:write', 'ops', 'service']
  return all.filter((role) => !access.roles.includes(role))
}

const label = (route: Route) => `${route.service} ${route.method} ${route.path()}`

/**
 * Polls `check` every 250 ms for up to 30 s: slow enough that a write route polled here (an
 * order) is called a few dozen times at most while a service waits out its JWKS cooldown.
 */
async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after 30 s waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

beforeAll(async () => {
  topology = await startTopology({
    replicas: { 'catalog-query': 2 },
    products: 12,
    testHooks: true,
  })
  console.log(`startTopology steps (ms): ${JSON.stringify(topology.timings)}`)
  const keySet = topology.auth.keySet
  if (keySet === undefined) throw new Error('startTopology should hold the key set')
  const { issuer, audience } = topology.auth
  kit = { clock: systemClock, keySet, minter: createTokenMinter({ keySet, issuer, audience }) }
  product = topology.seeded.productIds[0] as string
  const placed = await call(
    ROUTES.find((r) => r.route === 'POST /orders') as Route,
    await bearer('customer', 'alice'),
  )
  expect(placed.status).toBe(201)
  aliceOrder = String(placed.body.id)
}, 600_000)

afterAll(async () => {
  await topology?.stop()
}, 120_000)

describe('authentication and authorization on every running service', () => {
  test('every route in the matrix passes with a token of its role (the matrix is sound)', async () => {
    for (const route of ROUTES) {
      const answer = await call(route, await bearer(route.as.role, route.as.sub))
      expect(route.ok, `${label(route)}: ${JSON.stringify(answer.body)}`).toContain(answer.status)
    }
  })

  test('no token: 401 with a bare Bearer challenge, on every route', async () => {
    for (const route of ROUTES) {
      const answer = await call(route)
      expect(answer.status, label(route)).toBe(401)
      expect(answer.challenge, label(route)).toBe('Bearer realm="faultline"')
      expect(answer.body.code).toBe('E_TOPOLOGY_MISSING_TOKEN')
    }
  })

  test.each(HOSTILE_CASES)('$name: 401 invalid_token on every route', async (hostile) => {
    const authorization = `Bearer ${await hostile.token(kit)}`
    for (const route of ROUTES) {
      const answer = await call(route, authorization)
      expect(answer.status, `${hostile.name} on ${label(route)}`).toBe(401)
      expect(answer.challenge, label(route)).toMatch(
        /^Bearer realm="faultline", error="invalid_token", error_description="[^"]+"$/,
      )
    }
  })

  test('a valid token with a wrong role: 403 insufficient_scope naming the roles it needs', async () => {
    let refusals = 0
    for (const route of ROUTES)
      for (const role of refusedRoles(route)) {
        const answer = await call(route, await bearer(role, 'alice'))
        expect(answer.status, `${label(route)} as ${role}`).toBe(403)
        expect(answer.challenge).toMatch(/error="insufficient_scope".*scope="[^"]+"/)
        expect(answer.body.code).toBe('E_TOPOLOGY_FORBIDDEN')
        refusals += 1
      }
    expect(refusals).toBeGreaterThan(20)
    // Reads take any known role, but not a token that has none.
    const roleless = await tokenWithoutKnownRole(kit.keySet)
    for (const route of ROUTES.filter((r) => refusedRoles(r).length === 0))
      expect((await call(route, roleless)).status, label(route)).toBe(403)
  })

  test('exp and nbf get the clock-skew allowance, and no more', async () => {
    const read = ROUTES[1] as Route
    const at = (offsetMs: number) =>
      createTokenMinter({
        keySet: kit.keySet,
        issuer: topology.auth.issuer,
        audience: topology.auth.audience,
        clock: { now: () => Date.now() + offsetMs },
      })
    // Expired 10 s ago, valid from 10 s on: both within the 30 s allowance.
    const lateButTolerated = await at(-70_000).mint({ role: 'customer', ttlMs: 60_000 })
    const earlyButTolerated = await at(10_000).mint({ role: 'customer' })
    expect((await call(read, `Bearer ${lateButTolerated}`)).status).toBe(200)
    expect((await call(read, `Bearer ${earlyButTolerated}`)).status).toBe(200)
    // Expired 50 s ago, valid from 50 s on: refused.
    const expired = await at(-110_000).mint({ role: 'customer', ttlMs: 60_000 })
    const early = await at(50_000).mint({ role: 'customer' })
    expect((await call(read, `Bearer ${expired}`)).body.message).toBe('the token has expired')
    expect((await call(read, `Bearer ${early}`)).body.message).toBe('the token is not valid yet')
  })

  test("a customer sees only their own orders: another's is 404, exactly like one that does not exist", async () => {
    const read = ROUTES.find((r) => r.route === 'GET /orders/:id') as Route
    const as = async (sub: string, id: string) =>
      call({ ...read, path: () => `/orders/${id}` }, await bearer('customer', sub))
    expect((await as('alice', aliceOrder)).status).toBe(200)
    const others = await as('bob', aliceOrder)
    const missing = await as('bob', randomUUID())
    expect(others.status).toBe(404)
    expect(others.body.code).toBe(missing.body.code)
    expect(others.body.message).toBe(`No order ${aliceOrder}.`)
    // Ordering for someone else is refused; the same Idempotency-Key is each customer's own.
    const place = ROUTES.find((r) => r.route === 'POST /orders') as Route
    const key = randomUUID()
    const order = (customerId: string) => ({
      ...place,
      body: () => ({ customerId, productId: product, quantity: 1, amountCents: 100 }),
      headers: () => ({ 'idempotency-key': key }),
    })
    const forAlice = await call(order('alice'), await bearer('customer', 'bob'))
    expect(forAlice.status).toBe(403)
    expect(forAlice.body.code).toBe('E_ORDER_CUSTOMER_MISMATCH')
    expect((await call(order('alice'), await bearer('customer', 'alice'))).status).toBe(201)
    expect((await call(order('bob'), await bearer('customer', 'bob'))).status).toBe(201)
  })

  test('an unauthenticated write changes nothing (the defence, not just the status)', async () => {
    const admin = ROUTES[0] as Route
    const read = ROUTES[1] as Route
    const before = await call(read, await bearer('customer'))
    const write = { ...admin, body: () => ({ priceCents: 999_999 }) }
    expect((await call(write)).status).toBe(401)
    expect((await call(write, 'Bearer not.a.token')).status).toBe(401)
    const after = await call(read, await bearer('customer'))
    expect(after.body.version).toBe(before.body.version)
    expect(after.body.priceCents).not.toBe(999_999)
  })

  test('probes and the JWKS are public; the JWKS publishes the signing key and the next one', async () => {
    for (const name of ['catalog-admin', 'orders', 'payments', 'relay-catalog'])
      for (const probe of ['/healthz', '/readyz'])
        expect((await request(`${base(name)}${probe}`)).statusCode, `${name}${probe}`).toBe(200)
    const jwks = await request(topology.auth.jwksUrl)
    expect(jwks.statusCode).toBe(200)
    const { keys } = (await jwks.body.json()) as { keys: { kid: string; alg: string }[] }
    expect(keys.map((key) => key.kid)).toContain(kit.keySet.current.kid)
    expect(keys.length).toBeGreaterThanOrEqual(2)
    expect(keys.every((key) => key.alg === 'EdDSA' && !('d' in key))).toBe(true)
    expect(topology.endpoints().auth).toBeDefined()
  })

  test('key rotation drops no valid token: old and new tokens pass on every service', async () => {
    const passes = async (route: Route, token: string) =>
      route.ok.includes((await call(route, `Bearer ${token}`)).status)
    const mint = (route: Route) => kit.minter.mint(route.as)
    const before = await Promise.all(ROUTES.map(mint))
    for (const [index, route] of ROUTES.entries())
      expect(await passes(route, before[index] as string), label(route)).toBe(true)
    const oldKid = kit.keySet.current.kid
    await kit.keySet.rotate()
    const after = await Promise.all(ROUTES.map(mint))
    expect(decodeProtectedHeader(after[0] as string).kid).not.toBe(oldKid)
    // The new signing key was published ahead as the next key, so the services knew it already.
    for (const [index, route] of ROUTES.entries()) {
      expect(await passes(route, after[index] as string), `new token, ${label(route)}`).toBe(true)
      expect(await passes(route, before[index] as string), `old token, ${label(route)}`).toBe(true)
    }
    // A second rotation brings a key the services have not seen: they fetch the JWKS again
    // (at most once per cooldown) and accept it, while tokens of both earlier keys still pass.
    await kit.keySet.rotate()
    const third = await Promise.all(ROUTES.map(mint))
    for (const [index, route] of ROUTES.entries())
      await eventually(`${label(route)} to accept a token of the newest key`, () =>
        passes(route, third[index] as string),
      )
    for (const [index, route] of ROUTES.entries())
      expect(await passes(route, before[index] as string), `oldest token, ${label(route)}`).toBe(
        true,
      )
  })
})
