import type { CacheKitError } from './errors.js'
import type { BusState, FillRejectReason } from './ports.js'

/**
 * Why a stale value (past its TTL, within grace, and never invalidated) was returned: another
 * caller holds the lease, the loader failed, or it outlasted `softTimeoutMs`.
 */
export type StaleReason = 'refreshing' | 'loader-failed' | 'soft-timeout'

/** Why L1 was flushed. */
export type FlushReason = 'bus-reconnected'

/** Every event a cache emits, with its payload. Names are `noun:pastTense` or `noun:noun`. */
export interface CacheEvents {
  'cache:hit': { readonly key: string; readonly tier: 'l1' | 'l2' }
  'cache:miss': { readonly key: string }
  'cache:stale-served': { readonly key: string; readonly reason: StaleReason }
  'cache:loaded': { readonly key: string; readonly durationMs: number }
  'cache:load-failed': { readonly key: string; readonly error: CacheKitError }
  'cache:filled': { readonly key: string; readonly tier: 'l1' | 'l2' }
  'cache:fill-rejected': { readonly key: string; readonly reason: FillRejectReason }
  'cache:invalidated': {
    readonly keys: readonly string[]
    readonly tags?: readonly string[]
    readonly source: 'local' | 'bus' | 'change'
  }
  'cache:store-error': { readonly operation: string; readonly error: CacheKitError }
  'cache:bus-state': { readonly state: BusState }
  /** The L2 store started or stopped answering (see `health()`). */
  'cache:store-state': { readonly state: 'up' | 'down'; readonly endpoint: string | undefined }
  'cache:l1-flushed': { readonly reason: FlushReason }
}

/** A cache event name. */
export type CacheEventName = keyof CacheEvents

/** A listener for event `E`. */
export type CacheListener<E extends CacheEventName> = (payload: CacheEvents[E]) => void

/**
 * @internal A small typed emitter. A listener that throws is reported to `onListenerError` and
 * never breaks the read that emitted the event.
 */
export class CacheEmitter {
  readonly #listeners = new Map<CacheEventName, Set<(payload: never) => void>>()
  readonly #onListenerError: (error: unknown) => void

  constructor(onListenerError: (error: unknown) => void) {
    this.#onListenerError = onListenerError
  }

  on<E extends CacheEventName>(event: E, listener: CacheListener<E>): () => void {
    const listeners = this.#listeners.get(event) ?? new Set()
    listeners.add(listener)
    this.#listeners.set(event, listeners)
    return () => listeners.delete(listener)
  }

  emit<E extends CacheEventName>(event: E, payload: CacheEvents[E]): void {
    const listeners = this.#listeners.get(event)
    if (listeners === undefined) return
    for (const listener of listeners) {
      try {
        ;(listener as CacheListener<E>)(payload)
      } catch (error) {
        this.#onListenerError(error)
      }
    }
  }
}
