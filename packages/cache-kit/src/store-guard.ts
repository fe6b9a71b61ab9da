import { Deadlines } from './deadlines.js'
import { CacheKitError, isCacheKitError } from './errors.js'

/** Whether the store answered its last call: `unknown` before the first one settles. */
export type StoreState = 'up' | 'down' | 'unknown'

/** Options for {@link StoreGuard}. */
export interface StoreGuardOptions {
  readonly timeoutMs: number
  readonly retryAfterMs: number
  /** The store's `host:port`, named in timeout errors. */
  readonly endpoint: string | undefined
  readonly onError: (operation: string, error: CacheKitError) => void
  /** Called on every change of {@link StoreGuard.state}, with the failure that caused a `down`. */
  readonly onState: (state: 'up' | 'down', error?: CacheKitError) => void
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
  #state: StoreState = 'unknown'

  constructor(options: StoreGuardOptions) {
    this.#options = options
    this.#deadlines = new Deadlines(options.timeoutMs)
  }

  /** False while the breaker is open. */
  get available(): boolean {
    return performance.now() >= this.#openUntil
  }

  /** Whether the last call that settled was answered (`up`) or failed as unavailable (`down`). */
  get state(): StoreState {
    return this.#state
  }

  /**
   * {@link run} even while the breaker is open: for health probes (`ready()`), which must find
   * out whether the store answers again. Its outcome counts like any other call's.
   */
  probe<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => this.#bounded(operation, fn, resolve, reject))
  }

  /** Runs `fn` under the timeout; any failure opens the breaker and becomes a CacheKitError. */
  run<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    if (!this.available)
      return Promise.reject(this.#unavailable(operation, 'the circuit breaker is open'))
    return new Promise<T>((resolve, reject) => this.#bounded(operation, fn, resolve, reject))
  }

  /**
   * {@link run} for callers that fall back instead of failing (the read paths): `undefined` where
   * `run` would reject. Spares the hit path a `.catch()` promise per read.
   */
  attempt<T>(operation: string, fn: () => Promise<T>): Promise<T | undefined> {
    if (!this.available) return Promise.resolve(undefined)
    return new Promise<T | undefined>((resolve) =>
      this.#bounded(operation, fn, resolve, () => resolve(undefined)),
    )
  }

  /**
   * Calls `fn` and settles through `resolve`/`reject` once: with its outcome, or with a timeout
   * after `timeoutMs`. A failure or timeout opens the breaker and is reported exactly once; an
   * answer that arrives after the timeout is ignored. Plain callbacks rather than async/await and
   * `Promise.race`, because this wraps every L2 read on the hit path.
   */
  #bounded<T>(
    operation: string,
    fn: () => Promise<T>,
    resolve: (value: T) => void,
    reject: (error: CacheKitError) => void,
  ): void {
    const fail = (cause: unknown): void => {
      const error = isCacheKitError(cause)
        ? cause
        : this.#unavailable(operation, 'the store failed', cause)
      if (error.code === 'E_CACHE_STORE_UNAVAILABLE') {
        this.#openUntil = performance.now() + this.#options.retryAfterMs
        this.#setState('down', error)
      }
      this.#options.onError(operation, error)
      reject(error)
    }
    const why = `no answer within ${this.#options.timeoutMs} ms`
    const deadline = this.#deadlines.add(() => fail(this.#unavailable(operation, why)))
    const done = (): boolean => {
      if (deadline.settled) return false
      this.#deadlines.settle(deadline)
      return true
    }
    let call: Promise<T>
    try {
      call = fn()
    } catch (error) {
      if (done()) fail(error)
      return
    }
    call.then(
      (value) => {
        if (!done()) return
        // One comparison on the hit path; the callback runs only on a change.
        if (this.#state !== 'up') this.#setState('up')
        resolve(value)
      },
      (error: unknown) => {
        if (done()) fail(error)
      },
    )
  }

  #setState(state: 'up' | 'down', error?: CacheKitError): void {
    if (state === this.#state) return
    this.#state = state
    this.#options.onState(state, error)
  }

  #unavailable(operation: string, why: string, cause?: unknown): CacheKitError {
    const endpoint = this.#options.endpoint
    const where = endpoint === undefined ? '' : ` at ${endpoint}`
    return new CacheKitError(
      'E_CACHE_STORE_UNAVAILABLE',
      `Cache store${where} ${operation} failed: ${why}.`,
      {
        retryable: true,
        cause,
        context: { operation, ...(endpoint !== undefined && { endpoint }) },
      },
    )
  }
}
