import { ROLES } from '../../wiring/auth/roles.js'
import type { RouteAccess } from '../../wiring/auth/route-access.js'

/** The services whose routes {@link ROUTE_ACCESS} lists; every relay process is a `relay`. */
export type ServiceKind =
  | 'catalog-admin'
  | 'catalog-query'
  | 'search'
  | 'orders'
  | 'inventory'
  | 'payments'
  | 'shipping'
  | 'relay'

/**
 * Reads need a token with any known role: a customer's, a catalog writer's, an operator's or a
 * service's. No anonymous reads: the catalog serves signed-in callers, and a read costs cache
 * and database capacity that an anonymous flood could take.
 */
const ANY_ROLE: RouteAccess = { roles: ROLES }
const CATALOG_WRITE: RouteAccess = { roles: ['catalog:write'] }
/** Orders: the service also checks that the order is the caller's own (`sub`). */
const CUSTOMER: RouteAccess = { roles: ['customer'] }
/** Ops state, admin and chaos knobs, test hooks. */
const OPS: RouteAccess = { roles: ['ops'] }

/**
 * Who may call each route, by service and `METHOD /path` as registered. The single source of the
 * topology's access rules: a route missing here fails to register (see `routeAccessPlugin`), so a
 * new route cannot go out unprotected by accident. The probes (`/healthz`, `/readyz`) are public
 * and not listed.
 */
export const ROUTE_ACCESS: Readonly<Record<ServiceKind, Readonly<Record<string, RouteAccess>>>> = {
  'catalog-admin': {
    'POST /products': CATALOG_WRITE,
    'PUT /products/:id': CATALOG_WRITE,
    'PATCH /products/:id/price': CATALOG_WRITE,
    'DELETE /products/:id': CATALOG_WRITE,
    'POST /ops/seed': CATALOG_WRITE,
    'GET /ops/state': OPS,
  },
  'catalog-query': {
    'GET /products/:id': ANY_ROLE,
    'GET /products': ANY_ROLE,
    'GET /ops/state': OPS,
    'GET /ops/loader-calls': OPS,
    'POST /ops/test/bus': OPS,
    'POST /ops/test/load': OPS,
  },
  search: {
    'GET /search': ANY_ROLE,
    'GET /ops/state': OPS,
    'POST /ops/rebuild': OPS,
  },
  orders: {
    'POST /orders': CUSTOMER,
    'GET /orders/:id': CUSTOMER,
    'GET /ops/state': OPS,
  },
  inventory: {
    'PUT /admin/stock/:productId': OPS,
    'GET /stock/:productId': ANY_ROLE,
    'GET /ops/state': OPS,
  },
  payments: {
    'GET /admin/chaos': OPS,
    'PUT /admin/chaos': OPS,
    'GET /ops/state': OPS,
  },
  shipping: { 'GET /ops/state': OPS },
  relay: { 'GET /ops/state': OPS },
}

/**
 * The access rule of one route, or undefined when {@link ROUTE_ACCESS} does not list it. A `HEAD`
 * route (fastify adds one per `GET`) has its `GET`'s rule.
 */
export function routeAccessOf(
  service: ServiceKind,
  method: string,
  url: string,
): RouteAccess | undefined {
  const verb = method.toUpperCase() === 'HEAD' ? 'GET' : method.toUpperCase()
  return ROUTE_ACCESS[service][`${verb} ${url}`]
}
