/**
 * The roles a token can carry. `catalog:write` for admin writes, `customer` for orders, `ops`
 * for chaos knobs, and `service` for calls between services.
 */
export type Role = 'customer' | 'catalog:write' | 'ops' | 'service'

/** Every {@link Role}, in a stable order. */
export const ROLES: readonly Role[] = Object.freeze(['customer', 'catalog:write', 'ops', 'service'])

/** True when `value` is one of {@link ROLES}. */
export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value)
}
