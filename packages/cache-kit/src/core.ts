import type { Tracer } from '@opentelemetry/api'
import type { CacheEmitter } from './events.js'
import type { L1Tier } from './l1-tier.js'
import type { LocalFence } from './local-fence.js'
import type { Loader } from './loader.js'
import type { ResolvedLoadOptions, ResolvedTunables } from './options.js'
import type { CacheStore, Clock, Logger, StoredEntry } from './ports.js'
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

/** @internal Resolves after `ms` milliseconds of real time. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
