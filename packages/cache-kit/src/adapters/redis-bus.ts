import type { Redis } from 'ioredis'
import { CacheKitError } from '../errors.js'
import type { BusHandlers, BusState, InvalidationBus, InvalidationMessage } from '../ports.js'
import { connect, type RedisConnectionOptions } from './redis-client.js'

/** Options for {@link createRedisBus}. */
export interface RedisBusOptions extends RedisConnectionOptions {
  /** Pub/sub channel. @default 'cache-kit:invalidations' */
  channel?: string
  /** How often the subscriber connection is pinged. @default 1_000 */
  heartbeatIntervalMs?: number
  /** A ping unanswered this long marks the bus `down`. @default 1_000 */
  heartbeatTimeoutMs?: number
  /** CLIENT SETNAME of the subscriber connection. @default 'cache-kit-bus' */
  connectionName?: string
}

/**
 * Redis pub/sub as an {@link InvalidationBus}. Pub/sub is at-most-once, so the bus reports `down`
 * as soon as the subscriber connection closes or a heartbeat ping goes unanswered (a paused or
 * partitioned server keeps the socket open), and `up` only once it is subscribed and answering.
 */
export class RedisBus implements InvalidationBus {
  readonly #publisher: Redis
  readonly #owned: boolean
  readonly #subscriber: Redis
  readonly #channel: string
  readonly #intervalMs: number
  readonly #timeoutMs: number
  #handlers: BusHandlers | undefined
  #state: BusState = 'down'
  #timer: NodeJS.Timeout | undefined
  #closed = false

  constructor(options: RedisBusOptions) {
    const { client, owned } = connect(options, 'cache-kit-publisher')
    this.#publisher = client
    this.#owned = owned
    this.#channel = options.channel ?? 'cache-kit:invalidations'
    this.#intervalMs = options.heartbeatIntervalMs ?? 1_000
    this.#timeoutMs = options.heartbeatTimeoutMs ?? 1_000
    this.#subscriber = client.duplicate({
      connectionName: options.connectionName ?? 'cache-kit-bus',
      lazyConnect: true,
    })
    this.#subscriber.on('error', () => {})
    this.#subscriber.on('close', () => this.#setState('down'))
    this.#subscriber.on('ready', () => void this.#resubscribe())
    this.#subscriber.on('message', (channel: string, text: string) => this.#receive(channel, text))
  }

  get state(): BusState {
    return this.#state
  }

  async publish(message: InvalidationMessage): Promise<void> {
    try {
      await this.#publisher.publish(this.#channel, JSON.stringify(message))
    } catch (cause) {
      throw new CacheKitError(
        'E_CACHE_BUS_UNAVAILABLE',
        'Publishing an invalidation to Redis failed.',
        {
          retryable: true,
          cause,
          context: { operation: 'publish', keys: message.keys },
        },
      )
    }
  }

  async subscribe(handlers: BusHandlers): Promise<() => Promise<void>> {
    this.#handlers = handlers
    await this.#subscriber.connect().catch(() => undefined)
    await this.#resubscribe()
    this.#timer = setInterval(() => void this.#heartbeat(), this.#intervalMs)
    this.#timer.unref()
    return async () => {
      this.#handlers = undefined
      clearInterval(this.#timer)
      await this.#subscriber.unsubscribe(this.#channel).catch(() => undefined)
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
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<false>(
      (resolve) => (timer = setTimeout(() => resolve(false), this.#timeoutMs)),
    )
    const pong = this.#subscriber.ping().then(
      () => true,
      () => false,
    )
    const ok = await Promise.race([pong, timeout])
    clearTimeout(timer)
    if (!ok) this.#setState('down')
    else if (this.#state === 'down') await this.#resubscribe()
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

  async close(): Promise<void> {
    this.#closed = true
    clearInterval(this.#timer)
    this.#subscriber.disconnect()
    if (this.#owned) await this.#publisher.quit().catch(() => this.#publisher.disconnect())
  }
}

/** Creates a Redis pub/sub {@link InvalidationBus}; the subscriber connection is its own. */
export function createRedisBus(options: RedisBusOptions): RedisBus {
  return new RedisBus(options)
}
