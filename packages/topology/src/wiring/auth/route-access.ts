import { badOption } from './auth-error.js'
import type { Identity } from './identity.js'
import { isRole, ROLES, type Role } from './roles.js'

/**
 * Who may call a route: anyone (`public`: health, readiness, metrics, the JWKS), any valid token
 * (`authenticated`), or a valid token with at least one of `roles`.
 */
export type RouteAccess = 'public' | 'authenticated' | { readonly roles: readonly Role[] }

/** Checks a route's access rule when the route is registered, so a typo fails at start. */
export function checkRouteAccess(access: unknown, route: string): RouteAccess {
  if (access === 'public' || access === 'authenticated') return access
  const roles = (access as { roles?: unknown } | null)?.roles
  if (Array.isArray(roles) && roles.length > 0 && roles.every(isRole)) return { roles }
  throw badOption(
    'config.auth',
    `route ${route}: config.auth must be 'public', 'authenticated' or { roles: [...] } with roles ` +
      `from ${ROLES.join(', ')}.`,
  )
}

/** Whether `identity` satisfies `access` (a role route needs one of its roles). */
export function isAllowed(identity: Identity, access: RouteAccess): boolean {
  if (typeof access === 'string') return true
  return access.roles.some((role) => identity.roles.includes(role))
}
