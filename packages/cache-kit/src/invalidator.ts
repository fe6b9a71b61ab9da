import type { CacheCore } from './core.js'
import { CacheKitError, isCacheKitError } from './errors.js'
import { checkVersion } from './loader.js'
import { normalizeLsn, type Lsn } from './lsn.js'
import type {
  BusState,
  InvalidationBus,
  InvalidationMessage,
  InvalidateRequest,
  Watermark,
} from './ports.js'

/** Options for `invalidate()`. */
export interface InvalidateOptions {
  /** The version the write produced; fills older than it are refused from now on. */
  version?: number
  /** The write's commit LSN; fills read at an older LSN are refused from now on. */
  lsn?: Lsn
}

/** A change-stream event for `applyChange()`. */
export interface ChangeEvent {
  readonly key: string
  readonly version: number
  readonly lsn?: Lsn
}

/** What `applyChange()` did. */
export interface ChangeResult {
  /** False when the change was not newer than the key's watermark (a replay or a late arrival). */
  readonly applied: boolean
  readonly watermark: Watermark
}

/**
 * Writes invalidations to L2 and the bus and applies remote ones to this node. Local state is
 * updated after L2 accepted the tombstone: a local fill that raced it either lost in L2 or is
 * voided by the local tombstone, whichever came last.
 */
export class Invalidator {
  readonly #core: CacheCore
  readonly #nodeId: string
  readonly #bus: InvalidationBus | undefined
  #busState: BusState = 'down'
  #unsubscribe: Promise<(() => Promise<void>) | undefined>

  constructor(core: CacheCore, nodeId: string, bus: InvalidationBus | undefined) {
    this.#core = core
    this.#nodeId = nodeId
    this.#bus = bus
    this.#unsubscribe = this.#subscribe()
  }

  get busState(): BusState {
    return this.#busState
  }

  async ready(): Promise<void> {
    await this.#unsubscribe
  }

  async #subscribe(): Promise<(() => Promise<void>) | undefined> {
    if (this.#bus === undefined) return undefined
    try {
      return await this.#bus.subscribe({
        onMessage: (message) => this.#onMessage(message),
        onState: (state) => this.#onState(state),
      })
    } catch (error) {
      this.#core.logger.error('cache-kit: bus subscription failed; L1 stays bypassed', { error })
      return undefined
    }
  }

  /**
   * `down`: L1 is bypassed (neither a hit nor a stale fallback). `up`: anything may have been
   * missed meanwhile, so L1 is flushed and every in-flight local fill is voided.
   */
  #onState(state: BusState): void {
    if (state === this.#busState) return
    this.#busState = state
    this.#core.fence.bumpEpoch()
    this.#core.emitter.emit('cache:bus-state', { state })
    if (state === 'up' && this.#core.l1 !== undefined) {
      this.#core.l1.clear()
      this.#core.emitter.emit('cache:l1-flushed', { reason: 'bus-reconnected' })
    }
  }

  #onMessage(message: InvalidationMessage): void {
    if (message.origin === this.#nodeId) return
    const watermark = { version: message.version, lsn: message.lsn }
    for (const key of message.keys) this.#applyLocal(key, watermark)
    this.#applyLocalTags(message.tags ?? [])
    this.#core.emitter.emit('cache:invalidated', {
      keys: message.keys,
      tags: message.tags,
      source: 'bus',
    })
  }

  #applyLocal(key: string, watermark: Watermark): void {
    this.#core.fence.invalidateKey(key, stripWatermark(watermark))
    this.#core.l1?.delete(key)
  }

  #applyLocalTags(tags: readonly string[]): void {
    for (const tag of tags) this.#core.fence.invalidateTag(tag)
    this.#core.l1?.deleteTags(tags)
  }

  async invalidate(key: string, options: InvalidateOptions): Promise<void> {
    const version = checkVersion(options.version, key)
    const lsn = options.lsn === undefined ? undefined : normalizeLsn(options.lsn)
    await this.#write(key, {
      version,
      lsn,
      mode: 'force',
      tombstoneTtlMs: this.#core.tunables.tombstoneTtlMs,
    })
    this.#core.emitter.emit('cache:invalidated', { keys: [key], source: 'local' })
    await this.#publish({ origin: this.#nodeId, keys: [key], ...defined({ version, lsn }) })
  }

  async applyChange(change: ChangeEvent): Promise<ChangeResult> {
    const version = checkVersion(change.version, change.key)
    if (version === undefined) {
      throw new CacheKitError(
        'E_CACHE_INVALID_CHANGE',
        `Change for "${change.key}" has no version.`,
        { context: { key: change.key } },
      )
    }
    const lsn = change.lsn === undefined ? undefined : normalizeLsn(change.lsn)
    const request = {
      version,
      lsn,
      mode: 'change' as const,
      tombstoneTtlMs: this.#core.tunables.tombstoneTtlMs,
    }
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
      .run('invalidateTags', () =>
        this.#core.store.invalidateTags(tags, this.#core.tunables.tombstoneTtlMs),
      )
      .catch((error: unknown) => this.#rethrow(error))
    this.#applyLocalTags(tags)
    for (const key of keys) this.#applyLocal(key, {})
    this.#core.emitter.emit('cache:invalidated', { keys, tags, source: 'local' })
    await this.#publish({ origin: this.#nodeId, keys, tags })
  }

  async #write(key: string, request: InvalidateRequest) {
    // Void local fills first too: a fill racing this call must not land in L1 on this node even
    // if the store call then fails.
    this.#applyLocal(key, {})
    const result = await this.#core.guard
      .run('invalidate', () => this.#core.store.invalidate(key, request))
      .catch((error: unknown) => this.#rethrow(error))
    if (result.applied) this.#applyLocal(key, result.watermark)
    return result
  }

  /**
   * Publishes within `busTimeoutMs`. A stalled bus (a paused Redis keeps the socket open, so a
   * PUBLISH just waits) must not hold the writer for the whole outage: it gets a retryable
   * rejection, and its retry publishes again. A publish that lands after the timeout is harmless.
   */
  async #publish(message: InvalidationMessage): Promise<void> {
    const bus = this.#bus
    if (bus === undefined) return
    const timeoutMs = this.#core.tunables.busTimeoutMs
    let timer: NodeJS.Timeout | undefined
    const publish = Promise.resolve().then(() => bus.publish(message))
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs)
    })
    let outcome: unknown
    try {
      outcome = await Promise.race([publish, timeout])
    } catch (cause) {
      throw busUnavailable(message, 'the bus failed', cause)
    } finally {
      clearTimeout(timer)
    }
    if (outcome === 'timeout') {
      publish.catch(() => undefined) // a late failure is already reported as this timeout
      throw busUnavailable(message, `the bus did not take it within ${timeoutMs} ms`)
    }
  }

  #rethrow(error: unknown): never {
    if (isCacheKitError(error)) throw error
    throw new CacheKitError('E_CACHE_STORE_UNAVAILABLE', 'Cache store invalidation failed.', {
      retryable: true,
      cause: error,
    })
  }

  async close(): Promise<void> {
    const unsubscribe = await this.#unsubscribe
    await unsubscribe?.()
  }
}

function busUnavailable(message: InvalidationMessage, why: string, cause?: unknown): CacheKitError {
  return new CacheKitError(
    'E_CACHE_BUS_UNAVAILABLE',
    `Invalidation of ${message.keys.length} key(s) reached L2 but not the bus (${why}); retry it.`,
    { retryable: true, cause, context: { keys: message.keys } },
  )
}

function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
}

function stripWatermark(w: { version?: number | undefined; lsn?: string | undefined }): Watermark {
  return defined(w)
}
