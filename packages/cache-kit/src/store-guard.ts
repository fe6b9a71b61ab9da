import { Deadlines } from './deadlines.js'
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
  readonly #deadlines: Deadlines
  #openUntil = 0

  constructor(options: StoreGuardOptions) {
    this.#options = options
    this.#deadlines = new Deadlines(options.timeoutMs)
  }

  /** False while the breaker is open. */
  get available(): boolean {
    return performance.now() >= this.#openUntil
  }

  /** Runs `fn` under the timeout; any failure opens the breaker and becomes a CacheKitError. */
  async run<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    if (!this.available) throw this.#unavailable(operation, 'the circuit breaker is open')
    try {
      return await this.#bounded(operation, fn)
    } catch (cause) {
      const error = isCacheKitError(cause)
        ? cause
        : this.#unavailable(operation, 'the store failed', cause)
      if (error.code === 'E_CACHE_STORE_UNAVAILABLE')
        this.#openUntil = performance.now() + this.#options.retryAfterMs
      this.#options.onError(operation, error)
      throw error
    }
  }

  /** `fn()`, or a rejection once `timeoutMs` passes without an answer. */
  #bounded<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const why = `no answer within ${this.#options.timeoutMs} ms`
      const deadline = this.#deadlines.add(() => reject(this.#unavailable(operation, why)))
      const fail = (error: unknown): void => {
        this.#deadlines.settle(deadline)
        reject(
          isCacheKitError(error) ? error : this.#unavailable(operation, 'the store failed', error),
        )
      }
      let call: Promise<T>
      try {
        call = fn()
      } catch (error) {
        return fail(error)
      }
      call.then((value) => {
        this.#deadlines.settle(deadline)
        resolve(value)
      }, fail)
    })
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
