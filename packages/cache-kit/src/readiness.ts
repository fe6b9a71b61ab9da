import type { BusLink } from './bus-link.js'
import type { CacheCore } from './core.js'
import { delay } from './core.js'
import { CacheKitError } from './errors.js'
import type { HealthMonitor } from './health.js'
import type { CacheStore } from './ports.js'

/** A key no application uses: `ready()` peeks it on a store that has no `ping()`. */
const PROBE_KEY = '\u0000cache-kit:ready-probe'

/** How long `ready()` pauses between two pings of a store that did not answer. */
const PING_RETRY_MS = 100

/** @internal One round trip to the store: its `ping()`, or a `peek()` where it has none. */
export function pingStore(store: CacheStore): Promise<void> {
  return store.ping !== undefined ? store.ping() : store.peek(PROBE_KEY).then(() => undefined)
}

/**
 * @internal What `ready()` does: pings the store until it answers and waits for the bus to be
 * subscribed, both within `readyTimeoutMs`. Rejects naming whichever is not there.
 */
export async function waitUntilReady(
  core: CacheCore,
  health: HealthMonitor,
  bus: BusLink | undefined,
): Promise<void> {
  const timeoutMs = core.tunables.readyTimeoutMs
  const deadline = new AbortController()
  const timer = setTimeout(() => deadline.abort(), timeoutMs)
  const onClose = (): void => deadline.abort()
  core.closing.addEventListener('abort', onClose, { once: true })
  let storeUp: boolean
  let busUp: boolean
  try {
    ;[storeUp, busUp] = await Promise.all([
      pingUntilUp(core, deadline.signal),
      bus === undefined ? true : bus.whenUp(deadline.signal),
    ])
  } finally {
    clearTimeout(timer)
    core.closing.removeEventListener('abort', onClose)
  }
  if (core.closing.aborted) throw new CacheKitError('E_CACHE_CLOSED', 'The cache is closed.')
  if (!storeUp) throw notReady('store', health, timeoutMs, 'E_CACHE_STORE_UNAVAILABLE')
  if (!busUp) throw notReady('bus', health, timeoutMs, 'E_CACHE_BUS_UNAVAILABLE')
}

async function pingUntilUp(core: CacheCore, deadline: AbortSignal): Promise<boolean> {
  while (!deadline.aborted) {
    const answered = await core.guard
      .probe('ping', () => pingStore(core.store))
      .then(
        () => true,
        () => false,
      )
    if (answered) return true
    await delay(PING_RETRY_MS, deadline)
  }
  return false
}

function notReady(
  backend: 'store' | 'bus',
  health: HealthMonitor,
  timeoutMs: number,
  code: 'E_CACHE_STORE_UNAVAILABLE' | 'E_CACHE_BUS_UNAVAILABLE',
): CacheKitError {
  const status = health.status(backend)
  const where = status.endpoint === undefined ? '' : ` at ${status.endpoint}`
  const what = backend === 'store' ? 'did not answer' : 'was not subscribed'
  const last = status.error === undefined ? '' : ` Last error: ${status.error.message}`
  return new CacheKitError(
    code,
    `cache-kit is not ready: the ${backend}${where} ${what} within readyTimeoutMs (${timeoutMs} ms); check its URL and that it is reachable.${last}`,
    {
      retryable: true,
      context: {
        operation: 'ready',
        ...(status.endpoint !== undefined && { endpoint: status.endpoint }),
      },
    },
  )
}
