import { CacheKitError, isCacheKitError } from './errors.js'

/** Options for {@link StoreGuard}. */
export interface StoreGuardOptions {
  readonly timeoutMs: number
  readonly retryAfterMs: number
  readonly onError: (operation: string, error: CacheKitError) => void
}

/**
 * Bounds every L2 call: a per-call timeout, and a circuit breaker that skips L2 for
 * `retryAfterMs` after a failure, so a paused Redis costs one timeout, not one per read.
 * Uses real time (`performance.now()`): it is about real outages, not about cached data.
 */
export class StoreGuard {
  readonly #options: StoreGuardOptions
  #openUntil = 0

  constructor(options: StoreGuardOptions) {
    this.#options = options
  }

  /** False while the breaker is open. */
  get available(): boolean {
    return performance.now() >= this.#openUntil
  }

  /** Runs `fn` under the timeout; any failure opens the breaker and becomes a CacheKitError. */
  async run<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    if (!this.available) throw this.#unavailable(operation, 'the circuit breaker is open')
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(this.#unavailable(operation, `no answer within ${this.#options.timeoutMs} ms`)),
        this.#options.timeoutMs,
      )
    })
    try {
      return await Promise.race([fn(), timeout])
    } catch (cause) {
      const error = isCacheKitError(cause)
        ? cause
        : this.#unavailable(operation, 'the store failed', cause)
      if (error.code === 'E_CACHE_STORE_UNAVAILABLE')
        this.#openUntil = performance.now() + this.#options.retryAfterMs
      this.#options.onError(operation, error)
      throw error
    } finally {
      clearTimeout(timer)
    }
  }

  #unavailable(operation: string, why: string, cause?: unknown): CacheKitError {
    return new CacheKitError(
      'E_CACHE_STORE_UNAVAILABLE',
      `Cache store ${operation} failed: ${why}.`,
      {
        retryable: true,
        cause,
        context: { operation },
      },
    )
  }
}
