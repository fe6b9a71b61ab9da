import type { Role } from './roles.js'

/** Who made a request, from a verified token; fastify requests carry it as `request.identity`. */
export interface Identity {
  /** The `sub` claim. */
  readonly sub: string
  /** The known roles the token grants (unknown role names are dropped). */
  readonly roles: readonly Role[]
  /** When the token expires, in epoch ms. */
  readonly expiresAt: number
  /** The raw token, so a service can forward the caller's identity to another. */
  readonly token: string
}
