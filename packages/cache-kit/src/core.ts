import type { Clock, Logger } from '@faultline/common'
import type { Tracer } from '@opentelemetry/api'
import type { CacheEmitter } from './events.js'
import type { L1Tier } from './l1-tier.js'
import type { LocalFence } from './local-fence.js'
import type { Loader } from './loader.js'
import type { ResolvedLoadOptions, ResolvedTunables } from './options.js'
import type { CacheStore, StoredEntry } from './ports.js'
import type { Serializer } from './serializer.js'
import type { StoreGuard } from './store-guard.js'

/** @internal The state the read path shares with the cache object. */
export interface CacheCore {
  readonly store: CacheStore
  readonly guard: StoreGuard
  readonly fence: LocalFence
  readonly l1: L1Tier | undefined
  readonly serializer: Serializer
  readonly clock: Clock
  readonly logger: Logger
  readonly emitter: CacheEmitter
  readonly tunables: ResolvedTunables
  readonly tracer: Tracer
  readonly random: () => number
  /** Aborted by `close()`: loaders see it through their signal, and waits stop early. */
  readonly closing: AbortSignal
  /** A fresh lease owner id, unique across nodes. */
  nextLeaseOwner(): string
  /** Called on every fresh L2 hit, so eager refresh works without an L1 too. */
  onL2Hit(
    key: string,
    entry: StoredEntry,
    loader: Loader<unknown>,
    options: ResolvedLoadOptions,
  ): void
  /** Tracks a background task so `close()` can wait for it; its errors are logged. */
  background(task: Promise<unknown>, what: string): void
}

/**
 * @internal Resolves after `ms` milliseconds of real time, or at once when `signal` aborts. The
 * abort listener is removed when the timer fires, so a long-lived signal gathers none.
 */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve()
    const done = (): void => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done, { once: true })
  })
}
