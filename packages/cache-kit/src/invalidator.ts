import { formatLsn, tryParseLsn, type Lsn, type LsnInput } from '@faultline/common'
import type { BusLink } from './bus-link.js'
import type { CacheCore } from './core.js'
import { CacheKitError, isCacheKitError } from './errors.js'
import { checkVersion } from './loader.js'
import { toLsn } from './lsn.js'
import type {
  InvalidateRequest,
  InvalidateResult,
  InvalidationMessage,
  Watermark,
} from './ports.js'

/** Options for `invalidate()`. */
export interface InvalidateOptions {
  /** The version the write produced; fills older than it are refused from now on. */
  version?: number
  /**
   * The write's commit LSN (text like `16/B374D848`, or a BigInt); fills read at an older LSN
   * are refused from now on.
   */
  lsn?: LsnInput
}

/**
 * A change-stream event for `applyChange()`: the row's key and version, and the LSN of the commit
 * that wrote it (text or BigInt), e.g. from a sync-kit consumed event's `commitLsn`.
 */
export interface ChangeEvent {
  readonly key: string
  readonly version: number
  readonly lsn?: LsnInput | undefined
}

/** What `applyChange()` did. */
export interface ChangeResult {
  /** False when the change was not newer than the key's watermark (a replay or a late arrival). */
  readonly applied: boolean
  /** The key's watermark after the call; its `lsn` is canonical text. */
  readonly watermark: Watermark
}

/**
 * @internal Writes invalidations to L2 and the bus and applies remote ones to this node. Local
 * state is updated after L2 accepted the tombstone: a local fill that raced it either lost in L2
 * or is voided by the local tombstone, whichever came last.
 */
export class Invalidator {
  readonly #core: CacheCore
  readonly #nodeId: string
  #bus: BusLink | undefined

  constructor(core: CacheCore, nodeId: string) {
    this.#core = core
    this.#nodeId = nodeId
  }

  /** Connects the bus; remote invalidations then reach this node through {@link applyRemote}. */
  attach(bus: BusLink): void {
    this.#bus = bus
  }

  /** Applies another node's invalidation to this node's L1 and local fence. */
  applyRemote(message: InvalidationMessage): void {
    if (message.origin === this.#nodeId) return
    // Another node (maybe another version) wrote this message: a malformed watermark still voids
    // the keys, it just raises no watermark.
    const version = Number.isSafeInteger(message.version) ? message.version : undefined
    const lsnValue = tryParseLsn(message.lsn)
    const lsn = lsnValue === undefined ? undefined : formatLsn(lsnValue)
    const watermark = defined({ version, lsn })
    for (const key of message.keys) this.#applyLocal(key, watermark)
    this.#applyLocalTags(message.tags ?? [])
    this.#core.emitter.emit('cache:invalidated', {
      keys: message.keys,
      tags: message.tags,
      source: 'bus',
    })
  }

  async invalidate(key: string, options: InvalidateOptions): Promise<void> {
    const version = checkVersion(options?.version, key)
    const lsn = options?.lsn === undefined ? undefined : toLsn(options.lsn, 'lsn', key)
    await this.#write(key, { version, lsn, mode: 'force', tombstoneTtlMs: this.#ttl() })
    this.#core.emitter.emit('cache:invalidated', { keys: [key], source: 'local' })
    await this.#publish({ origin: this.#nodeId, keys: [key], ...defined({ version, lsn }) })
  }

  async applyChange(change: ChangeEvent): Promise<ChangeResult> {
    const version = checkVersion(change.version, change.key)
    if (version === undefined) {
      throw new CacheKitError(
        'E_CACHE_INVALID_CHANGE',
        `Change for "${change.key}" has no version: pass the row version the write produced.`,
        { context: { key: change.key } },
      )
    }
    const lsn = change.lsn === undefined ? undefined : toLsn(change.lsn, 'lsn', change.key)
    const request = { version, lsn, mode: 'change' as const, tombstoneTtlMs: this.#ttl() }
    const result = await this.#write(change.key, request)
    // A replay of the key's latest change publishes again: the call that applied it may have been
    // rejected after its tombstone landed but before the bus took it, and this is its retry.
    if (!result.applied && result.watermark.version !== version) return result
    if (result.applied)
      this.#core.emitter.emit('cache:invalidated', { keys: [change.key], source: 'change' })
    await this.#publish({ origin: this.#nodeId, keys: [change.key], ...defined({ version, lsn }) })
    return result
  }

  async invalidateTags(tags: readonly string[]): Promise<void> {
    const keys = await this.#core.guard
      .run('invalidateTags', () => this.#core.store.invalidateTags(tags, this.#ttl()))
      .catch((error: unknown) => rethrow(error))
    this.#applyLocalTags(tags)
    for (const key of keys) this.#applyLocal(key, {})
    this.#core.emitter.emit('cache:invalidated', { keys, tags, source: 'local' })
    await this.#publish({ origin: this.#nodeId, keys, tags })
  }

  async #write(key: string, request: InvalidateRequest): Promise<InvalidateResult> {
    // Void local fills first too: a fill racing this call must not land in L1 on this node even
    // if the store call then fails.
    this.#applyLocal(key, {})
    const result = await this.#core.guard
      .run('invalidate', () => this.#core.store.invalidate(key, request))
      .catch((error: unknown) => rethrow(error))
    if (result.applied) this.#applyLocal(key, result.watermark)
    return result
  }

  #publish(message: InvalidationMessage): Promise<void> {
    return this.#bus === undefined ? Promise.resolve() : this.#bus.publish(message)
  }

  #applyLocal(key: string, watermark: Watermark): void {
    this.#core.fence.invalidateKey(key, watermark)
    this.#core.l1?.delete(key)
  }

  #applyLocalTags(tags: readonly string[]): void {
    for (const tag of tags) this.#core.fence.invalidateTag(tag)
    this.#core.l1?.deleteTags(tags)
  }

  #ttl(): number {
    return this.#core.tunables.tombstoneTtlMs
  }
}

function rethrow(error: unknown): never {
  if (isCacheKitError(error)) throw error
  throw new CacheKitError('E_CACHE_STORE_UNAVAILABLE', 'Cache store invalidation failed.', {
    retryable: true,
    cause: error,
  })
}

function defined(watermark: { version?: number | undefined; lsn?: Lsn | undefined }): Watermark {
  return {
    ...(watermark.version !== undefined && { version: watermark.version }),
    ...(watermark.lsn !== undefined && { lsn: watermark.lsn }),
  }
}
