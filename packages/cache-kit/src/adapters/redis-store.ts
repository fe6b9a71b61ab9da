import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import type {
  CacheStore,
  FillRejectReason,
  FillResult,
  FillTicket,
  InvalidateRequest,
  InvalidateResult,
  StoreFillOptions,
  StoredEntry,
  StoreReadOptions,
  StoreReadResult,
  Watermark,
} from '../ports.js'
import {
  closeClient,
  connect,
  Script,
  storeError,
  type RedisConnectionOptions,
} from './redis-client.js'
import { checkText } from '../validate.js'
import { packEntry, unpackEntry } from './redis-entry.js'
import {
  FILL_SCRIPT,
  INVALIDATE_SCRIPT,
  INVALIDATE_TAGS_SCRIPT,
  READ_SCRIPT,
  RELEASE_SCRIPT,
} from './redis-scripts.js'

/** Options for {@link createRedisStore}. */
export interface RedisStoreOptions extends RedisConnectionOptions {
  /** Prefix of every key the store writes. @default 'ck:' */
  prefix?: string | undefined
}

const read = new Script(READ_SCRIPT)
const fill = new Script(FILL_SCRIPT)
const invalidate = new Script(INVALIDATE_SCRIPT)
const invalidateTags = new Script(INVALIDATE_TAGS_SCRIPT)
const release = new Script(RELEASE_SCRIPT)

const FILL_REASONS = new Set<string>([
  'invalidated',
  'ticket-expired',
  'version-behind',
  'lsn-behind',
  'older-than-cached',
])

function watermarkOf(version: string, lsn: string): Watermark {
  return { ...(version !== '' && { version: Number(version) }), ...(lsn !== '' && { lsn }) }
}

/**
 * The Redis {@link CacheStore}: every fencing decision (ticket generations, epoch and deadline,
 * version and LSN watermarks, monotonic versions, leases, tombstones) is made inside one Lua
 * script per call.
 * Single-node Redis (tag invalidation touches keys it derives, which Redis Cluster forbids).
 * Create one with {@link createRedisStore}.
 */
export class RedisStore implements CacheStore {
  readonly #client: Redis
  readonly #owned: boolean
  readonly #prefix: string
  readonly #epochKey: string
  readonly #endpoint: string

  /** @internal Use {@link createRedisStore}. */
  constructor(options: RedisStoreOptions) {
    const prefix = checkText('prefix', options?.prefix ?? 'ck:', 256)
    const { client, owned, endpoint } = connect(options, 'cache-kit-store')
    this.#client = client
    this.#owned = owned
    this.#endpoint = endpoint
    this.#prefix = prefix
    this.#epochKey = `${this.#prefix}epoch`
  }

  /** `host:port` of the Redis server, for logs and `health()`; never credentials. */
  get endpoint(): string {
    return this.#endpoint
  }

  /** The underlying client (for the bus to share, or for tests). */
  get client(): Redis {
    return this.#client
  }

  #key(kind: string, name: string): string {
    return `${this.#prefix}${kind}:${name}`
  }

  async #call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (error) {
      throw storeError(operation, error, this.#endpoint)
    }
  }

  /** One `PING`; rejects with `E_CACHE_STORE_UNAVAILABLE` naming the endpoint when it fails. */
  async ping(): Promise<void> {
    await this.#call('ping', () => this.#client.ping())
  }

  /** One plain `GET` of the packed entry: the hit path needs no ticket, watermark or lease. */
  peek(key: string): Promise<StoredEntry | undefined> {
    // One promise, no async wrapper: this is the whole L2-hit path on the client.
    return this.#client.get(this.#key('p', key)).then(
      (packed) => (packed === null ? undefined : unpackEntry(packed)),
      (error: unknown) => Promise.reject(storeError('peek', error, this.#endpoint)),
    )
  }

  async read(key: string, options: StoreReadOptions): Promise<StoreReadResult> {
    const keys = [
      this.#key('p', key),
      this.#key('m', key),
      this.#key('l', key),
      this.#epochKey,
      ...options.tags.map((tag) => this.#key('tg', tag)),
    ]
    const args = [
      options.leaseOwner ?? '',
      options.leaseTtlMs ?? 1000,
      options.now,
      options.forceLease === true ? '1' : '0',
      Math.max(0, Math.floor(options.ticketTtlMs)),
    ]
    const out = await this.#call('read', () => read.run(this.#client, keys, args))
    const [packed, generation, wmVersion, wmLsn, lease, epoch, validUntil, ...tagGenerations] =
      out as [string, string, string, string, string, string, number, ...string[]]
    const ticket: FillTicket = {
      key,
      generation,
      tagGenerations,
      tags: options.tags,
      epoch,
      validUntil,
    }
    return {
      entry: packed === '' ? undefined : unpackEntry(packed),
      ticket,
      watermark: watermarkOf(wmVersion, wmLsn),
      lease: lease as StoreReadResult['lease'],
    }
  }

  async fill(
    ticket: FillTicket,
    entry: StoredEntry,
    options: StoreFillOptions,
  ): Promise<FillResult> {
    const { key, tags } = ticket
    const keys = [
      this.#key('p', key),
      this.#key('m', key),
      this.#key('l', key),
      this.#epochKey,
      ...tags.map((tag) => this.#key('tg', tag)),
      ...tags.map((tag) => this.#key('ts', tag)),
    ]
    const args = [
      ticket.generation,
      ticket.epoch,
      ticket.validUntil,
      tags.length,
      ...ticket.tagGenerations,
      packEntry(entry),
      entry.version ?? '',
      entry.lsn ?? '',
      Math.max(1, Math.round(options.ttlMs)),
      options.leaseOwner ?? '',
      key,
    ]
    const result = String(await this.#call('fill', () => fill.run(this.#client, keys, args)))
    if (result === 'ok') return { ok: true }
    if (!FILL_REASONS.has(result))
      throw storeError('fill', new Error(`unexpected script reply ${result}`), this.#endpoint)
    return { ok: false, reason: result as FillRejectReason }
  }

  async invalidate(key: string, request: InvalidateRequest): Promise<InvalidateResult> {
    const keys = [this.#key('p', key), this.#key('m', key), this.#key('l', key)]
    const args = [
      randomUUID(),
      request.version ?? '',
      request.lsn ?? '',
      request.mode,
      request.tombstoneTtlMs,
    ]
    const out = (await this.#call('invalidate', () =>
      invalidate.run(this.#client, keys, args),
    )) as [number, string, string]
    return { applied: out[0] === 1, watermark: watermarkOf(out[1], out[2]) }
  }

  async invalidateTags(tags: readonly string[], tombstoneTtlMs: number): Promise<string[]> {
    const keys = [
      ...tags.map((tag) => this.#key('ts', tag)),
      ...tags.map((tag) => this.#key('tg', tag)),
    ]
    const args = [tags.length, tombstoneTtlMs, this.#prefix, randomUUID()]
    return (await this.#call('invalidateTags', () =>
      invalidateTags.run(this.#client, keys, args),
    )) as string[]
  }

  async releaseLease(key: string, owner: string): Promise<void> {
    await this.#call('releaseLease', () =>
      release.run(this.#client, [this.#key('l', key)], [owner]),
    )
  }

  /** Closes the connection if the store opened it (quickly, even while Redis does not answer). */
  async close(): Promise<void> {
    if (this.#owned) await closeClient(this.#client)
  }
}

/**
 * Creates a Redis-backed {@link CacheStore} from a client you own or a URL. Invalid options throw
 * `E_CACHE_INVALID_OPTION`; an unreachable server is not an error here: the cache logs it and
 * reports it in `health()`, and `ready()` waits for it.
 */
export function createRedisStore(options: RedisStoreOptions): RedisStore {
  return new RedisStore(options)
}
