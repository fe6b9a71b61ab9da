import type { Redis } from 'ioredis'
import { CacheKitError } from '../errors.js'
import type { BusHandlers, BusState, InvalidationBus, InvalidationMessage } from '../ports.js'
import { checkInt, checkText } from '../validate.js'
import { closeClient, connect, type RedisConnectionOptions } from './redis-client.js'

/** Options for {@link createRedisBus}. */
export interface RedisBusOptions extends RedisConnectionOptions {
  /** Pub/sub channel. @default 'cache-kit:invalidations' */
  channel?: string | undefined
  /** How often the subscriber connection is pinged, 10 to 60_000. @default 1_000 */
  heartbeatIntervalMs?: number | undefined
  /** A ping unanswered this long marks the bus `down`, 10 to 60_000. @default 1_000 */
  heartbeatTimeoutMs?: number | undefined
  /** CLIENT SETNAME of the subscriber connection. @default 'cache-kit-bus' */
  connectionName?: string | undefined
}

/**
 * Redis pub/sub as an {@link InvalidationBus}. Pub/sub is at-most-once, so the bus reports `down`
 * as soon as the subscriber connection closes or a heartbeat ping goes unanswered (a paused or
 * partitioned server keeps the socket open), and `up` only once it is subscribed and answering.
 * Create one with {@link createRedisBus}.
 */
export class RedisBus implements InvalidationBus {
  readonly #publisher: Redis
  readonly #owned: boolean
  readonly #subscriber: Redis
  readonly #channel: string
  readonly #intervalMs: number
  readonly #timeoutMs: number
  readonly #endpoint: string
  #handlers: BusHandlers | undefined
  #state: BusState = 'down'
  #timer: NodeJS.Timeout | undefined
  /** True while a heartbeat ping is out: one at a time, however long the server stalls. */
  #beating = false
  #closed = false

  /** @internal Use {@link createRedisBus}. */
  constructor(options: RedisBusOptions) {
    this.#channel = checkText('channel', options?.channel ?? 'cache-kit:invalidations')
    this.#intervalMs = checkInt(
      'heartbeatIntervalMs',
      options?.heartbeatIntervalMs ?? 1_000,
      10,
      60_000,
    )
    this.#timeoutMs = checkInt(
      'heartbeatTimeoutMs',
      options?.heartbeatTimeoutMs ?? 1_000,
      10,
      60_000,
    )
    const connectionName = checkText(
      'connectionName',
      options?.connectionName ?? 'cache-kit-bus',
      128,
    )
    const { client, owned, endpoint } = connect(options, 'cache-kit-publisher')
    this.#publisher = client
    this.#owned = owned
    this.#endpoint = endpoint
    // autoResubscribe off: on every reconnect ioredis sends its own SUBSCRIBE and never handles
    // the promise, so a close before the reply is an unhandled rejection (which crashes a strict
    // process). This bus resubscribes itself, on 'ready', and handles the outcome.
    this.#subscriber = client.duplicate({
      connectionName,
      lazyConnect: true,
      autoResubscribe: false,
    })
    // The subscriber is always this bus's own connection: its errors surface as state `down`.
    this.#subscriber.on('error', () => undefined)
    this.#subscriber.on('close', () => this.#setState('down'))
    this.#subscriber.on('ready', () => void this.#resubscribe())
    this.#subscriber.on('message', (channel: string, text: string) => this.#receive(channel, text))
  }

  get state(): BusState {
    return this.#state
  }

  /** `host:port` of the Redis server, for logs and `health()`; never credentials. */
  get endpoint(): string {
    return this.#endpoint
  }

  async publish(message: InvalidationMessage): Promise<void> {
    try {
      await this.#publisher.publish(this.#channel, JSON.stringify(message))
    } catch (cause) {
      throw new CacheKitError(
        'E_CACHE_BUS_UNAVAILABLE',
        `Publishing an invalidation to Redis at ${this.#endpoint} failed.`,
        {
          retryable: true,
          cause,
          context: { operation: 'publish', keys: message.keys, endpoint: this.#endpoint },
        },
      )
    }
  }

  /** One subscriber at a time: a second call replaces the first one's handlers. */
  async subscribe(handlers: BusHandlers): Promise<() => Promise<void>> {
    this.#handlers = handlers
    await this.#subscriber.connect().catch(() => undefined)
    await this.#resubscribe()
    clearInterval(this.#timer)
    this.#timer = setInterval(() => void this.#heartbeat(), this.#intervalMs)
    this.#timer.unref()
    return async () => {
      if (this.#handlers !== handlers) return
      this.#handlers = undefined
      clearInterval(this.#timer)
      this.#timer = undefined
      // Not awaited past the heartbeat timeout: a paused server never answers UNSUBSCRIBE.
      await this.#bounded(this.#subscriber.unsubscribe(this.#channel))
    }
  }

  async #resubscribe(): Promise<void> {
    if (this.#handlers === undefined || this.#closed) return
    try {
      await this.#subscriber.subscribe(this.#channel)
      this.#setState('up')
    } catch {
      this.#setState('down')
    }
  }

  async #heartbeat(): Promise<void> {
    if (this.#subscriber.status !== 'ready') return this.#setState('down')
    if (this.#beating) return
    this.#beating = true
    const ok = await this.#bounded(this.#subscriber.ping())
    this.#beating = false
    if (!ok) this.#setState('down')
    else if (this.#state === 'down') await this.#resubscribe()
  }

  /** True when `command` answered within the heartbeat timeout. */
  async #bounded(command: Promise<unknown>): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), this.#timeoutMs)
    })
    const answered = command.then(
      () => true,
      () => false,
    )
    const ok = await Promise.race([answered, timeout])
    clearTimeout(timer)
    return ok
  }

  #receive(channel: string, text: string): void {
    if (channel !== this.#channel || this.#state !== 'up') return
    try {
      this.#handlers?.onMessage(JSON.parse(text) as InvalidationMessage)
    } catch {
      // A malformed message from another publisher must not break the subscriber.
    }
  }

  #setState(state: BusState): void {
    if (state === this.#state) return
    this.#state = state
    this.#handlers?.onState(state)
  }

  /** Drops the subscriber connection and closes the publisher if the bus opened it; fast. */
  async close(): Promise<void> {
    this.#closed = true
    this.#handlers = undefined
    clearInterval(this.#timer)
    this.#subscriber.disconnect()
    if (this.#owned) await closeClient(this.#publisher)
  }
}

/**
 * Creates a Redis pub/sub {@link InvalidationBus}; the subscriber connection is its own. Invalid
 * options throw `E_CACHE_INVALID_OPTION`; an unreachable server is reported by the cache
 * (logger, `health()`, metrics), not thrown here.
 */
export function createRedisBus(options: RedisBusOptions): RedisBus {
  return new RedisBus(options)
}
