import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createServiceApp, isTopologyError, type ServiceApp } from '../../src/index.js'
import { registerAdminRoutes } from '../../src/services/catalog-admin/routes.js'
import { registerCatalogOps } from '../../src/services/catalog-admin/ops-routes.js'
import {
  registerQueryOps,
  registerQueryTestHooks,
} from '../../src/services/catalog-query/ops-routes.js'
import { registerQueryRoutes } from '../../src/services/catalog-query/routes.js'
import { registerLoaderCallRoutes } from '../../src/services/catalog-query/loader-call-routes.js'
import { registerInventoryRoutes } from '../../src/services/inventory/routes.js'
import { registerOrderRoutes } from '../../src/services/orders/routes.js'
import { registerPaymentsRoutes } from '../../src/services/payments/routes.js'
import { registerSearchOps, registerSearchRoutes } from '../../src/services/search/routes.js'
import {
  ROUTE_ACCESS,
  routeAccessOf,
  type ServiceKind,
} from '../../src/services/shared/route-access.js'
import { accessPlugins } from '../../src/services/shared/service-auth.js'
import { registerShippingRoutes } from '../../src/services/shipping/routes.js'
import { ROLES, type Role } from '../../src/wiring/auth/roles.js'
import type { FastifyInstance } from 'fastify'
import { authKit, type AuthKit } from '../wiring/auth/auth-fixtures.js'

/**
 * Stands in for a pool, cache, router...: any use throws, so a request the auth check lets
 * through ends in a 500 rather than waiting on a dependency that is not there.
 */
const STUB = new Proxy(
  {},
  {
    get: () => {
      throw new Error('a stub dependency was used')
    },
  },
) as never

/** Each service's real route registrations, on stub dependencies. */
const REGISTER: Readonly<Record<ServiceKind, (app: FastifyInstance) => void>> = {
  'catalog-admin': (app) => {
    registerAdminRoutes(app, STUB)
    registerCatalogOps(app, STUB)
  },
  'catalog-query': (app) => {
    registerQueryRoutes(app, STUB)
    registerQueryOps(app, STUB)
    registerQueryTestHooks(app, STUB)
    registerLoaderCallRoutes(app, { instance: 'catalog-query-1', calls: STUB, testHooks: true })
  },
  search: (app) => {
    registerSearchRoutes(app, STUB)
    registerSearchOps(app, STUB, STUB)
  },
  orders: (app) => registerOrderRoutes(app, STUB, STUB),
  inventory: (app) => registerInventoryRoutes(app, STUB),
  payments: (app) => registerPaymentsRoutes(app, STUB, STUB),
  shipping: (app) => registerShippingRoutes(app, STUB),
  // A relay's one route is registered inline in its main.ts.
  relay: (app) => {
    app.get('/ops/state', () => ({}))
  },
}

const SERVICES = Object.keys(ROUTE_ACCESS) as ServiceKind[]

function rolesOf(service: ServiceKind, route: string): readonly Role[] {
  const access = ROUTE_ACCESS[service][route]
  if (access === undefined || typeof access === 'string') throw new Error(`${route} has no roles`)
  return access.roles
}

describe('ROUTE_ACCESS (who may call each route)', () => {
  test('catalog-admin writes need catalog:write, and only that role', () => {
    for (const route of ['POST /products', 'PUT /products/:id', 'PATCH /products/:id/price'])
      expect(rolesOf('catalog-admin', route)).toEqual(['catalog:write'])
    expect(rolesOf('catalog-admin', 'DELETE /products/:id')).toEqual(['catalog:write'])
    expect(rolesOf('catalog-admin', 'POST /ops/seed')).toEqual(['catalog:write'])
  })

  test('orders are for customers only', () => {
    expect(rolesOf('orders', 'POST /orders')).toEqual(['customer'])
    expect(rolesOf('orders', 'GET /orders/:id')).toEqual(['customer'])
  })

  test('chaos knobs, stock admin, test hooks and every other /ops or /admin route need ops', () => {
    for (const service of SERVICES)
      for (const route of Object.keys(ROUTE_ACCESS[service])) {
        const path = route.split(' ')[1] ?? ''
        const isOps = path.startsWith('/ops/') || path.startsWith('/admin/')
        if (isOps && route !== 'POST /ops/seed')
          expect(rolesOf(service, route), `${service} ${route}`).toEqual(['ops'])
      }
    expect(rolesOf('payments', 'PUT /admin/chaos')).toEqual(['ops'])
  })

  test('catalog, search and stock reads take a token with any known role; nothing is public', () => {
    for (const [service, route] of [
      ['catalog-query', 'GET /products/:id'],
      ['catalog-query', 'GET /products'],
      ['search', 'GET /search'],
      ['inventory', 'GET /stock/:productId'],
    ] as const)
      expect([...rolesOf(service, route)].sort()).toEqual([...ROLES].sort())
    for (const service of SERVICES)
      for (const access of Object.values(ROUTE_ACCESS[service])) expect(access).not.toBe('public')
  })

  test('a HEAD route has its GET route rule; an unlisted route has none', () => {
    expect(routeAccessOf('catalog-query', 'HEAD', '/products/:id')).toEqual(
      ROUTE_ACCESS['catalog-query']['GET /products/:id'],
    )
    expect(routeAccessOf('orders', 'DELETE', '/orders/:id')).toBeUndefined()
  })
})

/** A request path for a registered route, with its params filled in. */
function pathOf(url: string): string {
  return url.replace(/:[A-Za-z]+/g, '00000000-0000-4000-8000-000000000001')
}

async function serviceApp(service: ServiceKind, kit: AuthKit): Promise<ServiceApp> {
  const plugins = accessPlugins(service, kit.verifier)
  return await createServiceApp({ service, logLevel: 'silent', plugins })
}

describe('the route access plugin, on each service real routes', () => {
  let kit: AuthKit
  const bearer: Partial<Record<Role | 'none', string>> = {}

  beforeAll(async () => {
    kit = await authKit()
    for (const role of ROLES)
      bearer[role] = `Bearer ${await kit.minter.mint({ role, sub: `as-${role}` })}`
    // A valid signature over a role no route knows: the verifier drops it, so the token has none.
    const none = await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'EdDSA', kid: kit.keySet.current.kid })
      .setIssuer(kit.minter.issuer)
      .setAudience(kit.minter.audience)
      .setSubject('nobody')
      .setIssuedAt(Math.floor(kit.clock.now() / 1000))
      .setExpirationTime(Math.floor(kit.clock.now() / 1000) + 600)
      .sign(kit.keySet.current.privateKey)
    bearer.none = `Bearer ${none}`
  })

  const apps: ServiceApp[] = []
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.app.close()))
  })

  test.each(SERVICES)(
    '%s: each route refuses no token (401), a wrong role (403) and lets its roles through',
    async (service) => {
      const svc = await serviceApp(service, kit)
      apps.push(svc)
      const registered: string[] = []
      svc.app.addHook('onRoute', (route) => {
        if (route.method !== 'HEAD') registered.push(`${String(route.method)} ${route.url}`)
      })
      REGISTER[service](svc.app)
      await svc.app.ready()
      // Every rule of the table belongs to a route the service registers: none is stale.
      expect(registered.sort()).toEqual(Object.keys(ROUTE_ACCESS[service]).sort())
      for (const route of registered) {
        const [method = 'GET', url = '/'] = route.split(' ')
        const inject = (authorization?: string) =>
          svc.app.inject({
            method: method as 'GET',
            url: pathOf(url),
            headers: authorization === undefined ? {} : { authorization },
          })
        const anonymous = await inject()
        expect(anonymous.statusCode, `${service} ${route} without a token`).toBe(401)
        expect(anonymous.headers['www-authenticate']).toBe('Bearer realm="faultline"')
        expect((await inject(bearer.none)).statusCode, `${route} with no known role`).toBe(403)
        const allowed = rolesOf(service, route)
        for (const role of ROLES) {
          const answer = await inject(bearer[role])
          if (allowed.includes(role))
            expect([401, 403], `${service} ${route} as ${role}`).not.toContain(answer.statusCode)
          else {
            expect(answer.statusCode, `${service} ${route} as ${role}`).toBe(403)
            expect(answer.headers['www-authenticate']).toContain('error="insufficient_scope"')
          }
        }
      }
      // The probes stay public.
      expect((await svc.app.inject({ url: '/healthz' })).statusCode).toBe(200)
    },
  )

  test('a route the table does not list fails to register, naming it and the fix', async () => {
    const svc = await serviceApp('shipping', kit)
    apps.push(svc)
    let refusal: unknown
    try {
      svc.app.get('/ops/secrets', () => ({}))
    } catch (error) {
      refusal = error
    }
    expect(isTopologyError(refusal) && refusal.code).toBe('E_TOPOLOGY_ROUTE_ACCESS')
    expect(String(refusal)).toContain('GET /ops/secrets')
    expect(String(refusal)).toContain('ROUTE_ACCESS')
  })

  test('an unknown path is refused without a token (401), so the route map does not leak', async () => {
    const svc = await serviceApp('orders', kit)
    apps.push(svc)
    expect((await svc.app.inject({ url: '/no/such/route' })).statusCode).toBe(401)
    const known = await svc.app.inject({
      url: '/no/such/route',
      headers: { authorization: bearer.customer as string },
    })
    expect(known.statusCode).toBe(404)
  })
})
