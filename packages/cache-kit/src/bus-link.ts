import type { CacheCore } from './core.js'
import { CacheKitError } from './errors.js'
import type { HealthMonitor } from './health.js'
import type { BusState, InvalidationBus, InvalidationMessage } from './ports.js'

/**
 * @internal This node's end of the invalidation bus: the subscription, its state (which decides
 * whether L1 is trusted), and publishing within `busTimeoutMs`.
 */
export class BusLink {
  readonly #core: CacheCore
  readonly #bus: InvalidationBus
  readonly #health: HealthMonitor
  readonly #onMessage: (message: InvalidationMessage) => void
  readonly #subscription: Promise<(() => Promise<void>) | undefined>
  #state: BusState = 'down'

  constructor(
    core: CacheCore,
    bus: InvalidationBus,
    health: HealthMonitor,
    onMessage: (message: InvalidationMessage) => void,
  ) {
    this.#core = core
    this.#bus = bus
    this.#health = health
    this.#onMessage = onMessage
    this.#subscription = this.#subscribe()
  }

  get state(): BusState {
    return this.#state
  }

  /** Resolves once the first subscription attempt has settled (whatever its outcome). */
  async subscribed(): Promise<void> {
    await this.#subscription
  }

  async #subscribe(): Promise<(() => Promise<void>) | undefined> {
    let unsubscribe: (() => Promise<void>) | undefined
    let failure: unknown
    try {
      unsubscribe = await this.#bus.subscribe({
        onMessage: (message) => this.#onMessage(message),
        onState: (state) => this.#onState(state),
      })
    } catch (error) {
      failure = error
    }
    // A bus that never came up reports no transition, yet it is exactly the misconfiguration
    // (a wrong URL, an unreachable host) that must not stay silent.
    if (this.#state !== 'up') this.#health.report('bus', 'down', this.#downError(failure))
    return unsubscribe
  }

  /**
   * `down`: L1 is bypassed (neither a hit nor a stale fallback). `up`: anything may have been
   * missed meanwhile, so L1 is flushed and every in-flight local fill is voided.
   */
  #onState(state: BusState): void {
    if (state === this.#state) return
    this.#state = state
    this.#core.fence.bumpEpoch()
    this.#core.emitter.emit('cache:bus-state', { state })
    this.#health.report('bus', state, state === 'down' ? this.#downError(undefined) : undefined)
    if (state === 'up' && this.#core.l1 !== undefined) {
      this.#core.l1.clear()
      this.#core.emitter.emit('cache:l1-flushed', { reason: 'bus-reconnected' })
    }
  }

  /** Resolves once the bus is `up`, or with `false` when `signal` aborts first. */
  whenUp(signal: AbortSignal): Promise<boolean> {
    if (this.#state === 'up') return Promise.resolve(true)
    return new Promise((resolve) => {
      const finish = (up: boolean): void => {
        off()
        signal.removeEventListener('abort', onAbort)
        resolve(up)
      }
      const onAbort = (): void => finish(false)
      const off = this.#core.emitter.on('cache:bus-state', (event) => {
        if (event.state === 'up') finish(true)
      })
      signal.addEventListener('abort', onAbort, { once: true })
    })
  }

  /**
   * Publishes within `busTimeoutMs`. A stalled bus (a paused Redis keeps the socket open, so a
   * PUBLISH just waits) must not hold the writer for the whole outage: it gets a retryable
   * rejection, and its retry publishes again. A publish that lands after the timeout is harmless.
   */
  async publish(message: InvalidationMessage): Promise<void> {
    const timeoutMs = this.#core.tunables.busTimeoutMs
    let timer: NodeJS.Timeout | undefined
    const publish = Promise.resolve().then(() => this.#bus.publish(message))
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs)
    })
    let outcome: unknown
    try {
      outcome = await Promise.race([publish, timeout])
    } catch (cause) {
      throw this.#unavailable(message, 'the bus failed', cause)
    } finally {
      clearTimeout(timer)
    }
    if (outcome === 'timeout') {
      publish.catch(() => undefined) // a late failure is already reported as this timeout
      throw this.#unavailable(message, `the bus did not take it within ${timeoutMs} ms`)
    }
  }

  /** Ends the subscription. Does not close the bus: the caller owns it. */
  async close(): Promise<void> {
    const unsubscribe = await this.#subscription
    await unsubscribe?.()
  }

  #unavailable(message: InvalidationMessage, why: string, cause?: unknown): CacheKitError {
    const endpoint = this.#bus.endpoint
    const where = endpoint === undefined ? '' : ` at ${endpoint}`
    return new CacheKitError(
      'E_CACHE_BUS_UNAVAILABLE',
      `Invalidation of ${message.keys.length} key(s) reached L2 but not the bus${where} (${why}); retry it.`,
      {
        retryable: true,
        cause,
        context: { keys: message.keys, ...(endpoint !== undefined && { endpoint }) },
      },
    )
  }

  #downError(cause: unknown): CacheKitError {
    const endpoint = this.#bus.endpoint
    const where = endpoint === undefined ? '' : ` at ${endpoint}`
    return new CacheKitError(
      'E_CACHE_BUS_UNAVAILABLE',
      `The invalidation bus${where} is not subscribed, so L1 is bypassed until it is.`,
      { retryable: true, cause, context: { ...(endpoint !== undefined && { endpoint }) } },
    )
  }
}
