import { describeError } from '../errors.js'
import type { EventPublisher, Logger, OutgoingMessage } from '../ports.js'
import type { FaultHook } from './faults.js'

/** A message plus what to do once the broker durably has it. */
export interface QueuedMessage {
  readonly message: OutgoingMessage
  readonly onDurable: () => void
}

/** Options for {@link PublishQueue}. */
export interface PublishQueueOptions {
  publisher: EventPublisher
  logger: Logger
  faults?: FaultHook
  /** Most messages per `publish()` call. */
  batchSize: number
  /** First retry delay after a failed publish; doubles up to `maxRetryDelayMs`. */
  retryDelayMs: number
  maxRetryDelayMs: number
  /** How long a batch that is not full waits for more messages before it is sent. @default 0 */
  lingerMs?: number
}

/**
 * Feeds a publisher one batch at a time, in arrival order. A failed message is retried at the
 * head of the queue until the broker takes it, so nothing is dropped and one key's messages
 * never overtake each other. One batch in flight keeps that order simple; batches grow by
 * themselves while the broker is slow.
 */
export class PublishQueue {
  readonly #items: QueuedMessage[] = []
  readonly #opts: PublishQueueOptions
  #running = false
  #idle: (() => void)[] = []
  #delayMs = 0
  #stopped = false
  #endLinger: (() => void) | undefined
  published = 0
  failures = 0

  constructor(options: PublishQueueOptions) {
    this.#opts = options
  }

  /** Messages waiting or in flight. */
  get size(): number {
    return this.#items.length
  }

  push(items: readonly QueuedMessage[]): void {
    for (const it of items) this.#items.push(it)
    if (this.#items.length >= this.#opts.batchSize) this.#endLinger?.()
    if (!this.#running && !this.#stopped) void this.#loop()
  }

  /** Resolves once every message pushed so far is durable (or the queue was stopped). */
  drained(): Promise<void> {
    if (this.#items.length === 0 || this.#stopped) return Promise.resolve()
    return new Promise((resolve) => this.#idle.push(resolve))
  }

  /** Stops publishing; queued messages are dropped (they were never acknowledged upstream). */
  stop(): void {
    this.#stopped = true
    this.#items.length = 0
    this.#endLinger?.()
    this.#wake()
  }

  async #loop(): Promise<void> {
    this.#running = true
    try {
      await this.#linger()
      while (this.#items.length > 0 && !this.#stopped) await this.#publishOne()
    } finally {
      this.#running = false
      if (this.#items.length === 0 || this.#stopped) this.#wake()
    }
  }

  async #publishOne(): Promise<void> {
    const batch = this.#items.slice(0, this.#opts.batchSize)
    let results: readonly { ok: boolean; error?: unknown }[]
    try {
      results = await this.#opts.publisher.publish(batch.map((b) => b.message))
    } catch (err) {
      results = batch.map(() => ({ ok: false, error: err }))
    }
    if (this.#stopped) return
    const failed = batch.filter((_b, i) => results[i]?.ok !== true)
    const done = batch.filter((_b, i) => results[i]?.ok === true)
    if (done.length > 0) await this.#opts.faults?.('relay:published', { events: done.length })
    this.#items.splice(0, batch.length, ...failed)
    for (const d of done) d.onDurable()
    this.published += done.length
    if (done.length > 0) this.#delayMs = 0 // progress: retry the rest promptly
    if (failed.length > 0) await this.#backoff(results.find((r) => r.ok !== true)?.error)
    else this.#delayMs = 0
  }

  /**
   * Gives the first batch after an idle spell `lingerMs` to fill up. Each produce request costs
   * the broker and the client about the same whatever its size, so at low rates a few
   * milliseconds of waiting trade for far fewer requests. Later batches do not wait: they filled
   * while the previous one was in flight.
   */
  async #linger(): Promise<void> {
    const ms = this.#opts.lingerMs ?? 0
    if (ms <= 0 || this.#items.length >= this.#opts.batchSize) return
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer)
        this.#endLinger = undefined
        resolve()
      }
      const timer = setTimeout(done, ms)
      this.#endLinger = done
    })
  }

  async #backoff(error: unknown): Promise<void> {
    this.failures++
    this.#delayMs = Math.min(
      this.#opts.maxRetryDelayMs,
      this.#delayMs === 0 ? this.#opts.retryDelayMs : this.#delayMs * 2,
    )
    this.#opts.logger.warn('publish failed; retrying', {
      error: describeError(error),
      retryInMs: this.#delayMs,
      queued: this.#items.length,
    })
    await new Promise((r) => setTimeout(r, this.#delayMs))
  }

  #wake(): void {
    const waiters = this.#idle
    this.#idle = []
    for (const w of waiters) w()
  }
}
