import type { MintTokenRequest, Role } from '@faultline/topology'

/** Mints one token the topology's services accept (a handle's `mintToken`, or the up dir's keys). */
export type MintToken = (request: MintTokenRequest) => Promise<string>

/** Who the load generator's reads and writes are made as (one subject each). */
export const LOAD_SUBJECTS = {
  reader: 'faultline-reader',
  writer: 'faultline-writer',
  operator: 'faultline-ops',
} as const

/** How long the tokens it mints last. */
const TTL_MS = 15 * 60_000
/** A token this close to its expiry is replaced before it is sent. */
const REFRESH_MARGIN_MS = 2 * 60_000
/** Subjects whose tokens are kept (a pool of customers is far smaller). */
const MAX_CACHED = 10_000

interface Cached {
  readonly authorization: string
  readonly expiresAt: number
}

/**
 * The `Authorization` values a run sends, one token per role and subject, cached and minted
 * again shortly before it expires, so a run of any length never sends an expired token.
 */
export class CallerTokens {
  readonly #mint: MintToken
  readonly #now: () => number
  readonly #cache = new Map<string, Cached>()
  readonly #pending = new Map<string, Promise<Cached>>()

  constructor(mint: MintToken, now: () => number = Date.now) {
    this.#mint = mint
    this.#now = now
  }

  /** `Bearer <token>` for `role` as `sub`. */
  async authorization(role: Role, sub: string): Promise<string> {
    const key = `${role} ${sub}`
    const cached = this.#cache.get(key)
    if (cached !== undefined && cached.expiresAt - REFRESH_MARGIN_MS > this.#now())
      return cached.authorization
    const fresh = await this.#refresh(key, role, sub)
    return fresh.authorization
  }

  /**
   * The cached value for `role` as `sub` without waiting, for callers that cannot (a closed
   * workload builds each request synchronously); starts a refresh when it is due. Undefined
   * until {@link authorization} has been awaited once for the pair.
   */
  cachedAuthorization(role: Role, sub: string): string | undefined {
    const key = `${role} ${sub}`
    const cached = this.#cache.get(key)
    if (cached === undefined || cached.expiresAt - REFRESH_MARGIN_MS <= this.#now())
      void this.#refresh(key, role, sub).catch(() => undefined)
    return cached?.authorization
  }

  #refresh(key: string, role: Role, sub: string): Promise<Cached> {
    const running = this.#pending.get(key)
    if (running !== undefined) return running
    const expiresAt = this.#now() + TTL_MS
    const minting = this.#mint({ role, sub, ttlMs: TTL_MS })
      .then((token) => {
        if (this.#cache.size >= MAX_CACHED) this.#cache.clear()
        const entry = { authorization: `Bearer ${token}`, expiresAt }
        this.#cache.set(key, entry)
        return entry
      })
      .finally(() => this.#pending.delete(key))
    this.#pending.set(key, minting)
    return minting
  }
}
