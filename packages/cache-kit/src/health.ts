import type { Clock, Logger } from '@faultline/common'
import type { CacheKitError } from './errors.js'
import type { CacheEmitter } from './events.js'

/** One backend (the L2 store or the bus) as {@link CacheHealth} reports it. */
export interface BackendStatus {
  /**
   * `up`: it answered its last call (store) or its subscription is live (bus). `down`: it did
   * not. `unknown`: nothing has settled yet.
   */
  readonly state: 'up' | 'down' | 'unknown'
  /** Where it lives, `host:port` without credentials, when the adapter says. */
  readonly endpoint: string | undefined
  /** When `state` last changed (the cache's clock, epoch ms). */
  readonly since: number
  /** While `down`: the failure that took it down, when known. */
  readonly error?: { readonly code: string; readonly message: string }
}

/** What `cache.health()` returns: a snapshot, cheap enough for every health-check request. */
export interface CacheHealth {
  /** The store is `up` and, with a bus, the bus is `up`: what `ready()` waits for. */
  readonly ready: boolean
  readonly store: BackendStatus
  /** `undefined` for a cache without a bus. */
  readonly bus: BackendStatus | undefined
}

type Backend = 'store' | 'bus'

const DOWN_MESSAGES: Record<Backend, string> = {
  store:
    'cache-kit: the cache store (L2) is unreachable; reads fall back to L1 and the loader, and invalidations are rejected until it answers',
  bus: 'cache-kit: the invalidation bus is down; L1 is bypassed until it is back (invalidations from other nodes may be missed)',
}

/**
 * @internal Tracks whether each backend answers, logs each change once (a warning naming the
 * endpoint when one goes down, never one per failed call), and emits it for metrics.
 */
export class HealthMonitor {
  readonly #clock: Clock
  readonly #logger: Logger
  readonly #emitter: CacheEmitter
  readonly #statuses = new Map<Backend, BackendStatus>()
  readonly #hasBus: boolean

  constructor(
    options: { clock: Clock; logger: Logger; emitter: CacheEmitter },
    endpoints: { store: string | undefined; bus: string | undefined; hasBus: boolean },
  ) {
    this.#clock = options.clock
    this.#logger = options.logger
    this.#emitter = options.emitter
    this.#hasBus = endpoints.hasBus
    const since = this.#clock.now()
    this.#statuses.set('store', { state: 'unknown', endpoint: endpoints.store, since })
    this.#statuses.set('bus', { state: 'unknown', endpoint: endpoints.bus, since })
  }

  /** Records a backend's new state; logs and emits only when it changed. */
  report(backend: Backend, state: 'up' | 'down', error?: CacheKitError): void {
    const previous = this.status(backend)
    if (previous.state === state) return
    const endpoint = previous.endpoint
    this.#statuses.set(backend, {
      state,
      endpoint,
      since: this.#clock.now(),
      ...(state === 'down' && error !== undefined && { error: summary(error) }),
    })
    const fields = { backend, endpoint: endpoint ?? 'in-process' }
    if (state === 'down') {
      this.#logger.warn({ ...fields, err: error }, `${DOWN_MESSAGES[backend]} (${fields.endpoint})`)
    } else if (previous.state === 'down') {
      this.#logger.info(fields, `cache-kit: the ${backend} at ${fields.endpoint} answers again`)
    }
    if (backend === 'store') this.#emitter.emit('cache:store-state', { state, endpoint })
  }

  status(backend: Backend): BackendStatus {
    return this.#statuses.get(backend)!
  }

  snapshot(): CacheHealth {
    const store = this.status('store')
    const bus = this.#hasBus ? this.status('bus') : undefined
    return { ready: store.state === 'up' && (bus === undefined || bus.state === 'up'), store, bus }
  }
}

function summary(error: CacheKitError): { code: string; message: string } {
  return { code: error.code, message: error.message }
}
