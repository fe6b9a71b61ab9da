import { describeError, isRefusedMessage, isSyncKitError, type SyncKitError } from '../errors.js'
import type { EventPublisher, Logger, OutgoingMessage } from '../ports.js'
import type { FaultHook } from './faults.js'

/** A message plus what to do once the broker durably has it. */
export interface QueuedMessage {
  readonly message: OutgoingMessage
  readonly onDurable: () => void
  /** True for the record that replaced a message the broker refused for good. */
  readonly isRecord?: boolean
}

/**
 * What goes in place of a message the broker refuses for good (too large, invalid), or
 * undefined to give it up; `isRecord` says the message is such a replacement already.
 */
export type DivertRefused = (
  message: OutgoingMessage,
  error: SyncKitError,
  isRecord: boolean,
) => OutgoingMessage | undefined

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
  /** Where messages the broker refuses for good go instead. */
  divert: DivertRefused
  /** Told of every publish outcome, for the relay's broker status. */
  health?: { failed(err: unknown): void; published(): void }
}

/**
 * Feeds a publisher one batch at a time, in arrival order. A failed message is retried at the
 * head of the queue until the broker takes it, so nothing is dropped and one key's messages
 * never overtake each other. One batch in flight keeps that order simple; batches grow by
 * themselves while the broker is slow.
 *
 * A message the broker refuses for good (`E_SYNC_MESSAGE_TOO_LARGE`, `E_SYNC_MESSAGE_REJECTED`)
 * is not retried: `divert` gives the record that takes its place (and its durable callback), so
 * one unpublishable message cannot hold the queue forever. Other failures are retried with
 * doubling delays up to `maxRetryDelayMs`, without end: the broker being away is no message's
 * fault, and dropping would lose events; `stop()` is the way out, and every failure is logged
 * (as an error when Kafka says retrying cannot help until someone fixes the cause).
 */
export class PublishQueue {
  readonly #items: QueuedMessage[] = []
  readonly #opts: PublishQueueOptions
  #running = false
  #idle: (() => void)[] = []
  #delayMs = 0
  #stopped = false
  #endLinger: (() => void) | undefined
  #endBackoff: (() => void) | undefined
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
    this.#endBackoff?.()
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
    const failed: QueuedMessage[] = []
    const done: QueuedMessage[] = []
    let diverted = 0
    let blocked: { error: unknown } | undefined
    batch.forEach((b, i) => {
      const r = results[i]
      if (r?.ok === true) return void done.push(b)
      const error = r?.error
      if (!isSyncKitError(error) || !isRefusedMessage(error)) {
        blocked ??= { error }
        return void failed.push(b)
      }
      diverted++
      const record = this.#opts.divert(b.message, error, b.isRecord === true)
      if (record === undefined) b.onDurable()
      else failed.push({ message: record, onDurable: b.onDurable, isRecord: true })
    })
    if (done.length > 0) this.#opts.health?.published()
    if (done.length > 0) await this.#opts.faults?.('relay:published', { events: done.length })
    this.#items.splice(0, batch.length, ...failed)
    for (const d of done) d.onDurable()
    this.published += done.length
    // Progress (a message out, or a refused one replaced): send the rest promptly.
    if (done.length > 0 || diverted > 0) this.#delayMs = 0
    if (blocked !== undefined && diverted === 0) await this.#backoff(blocked.error)
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
    this.#opts.health?.failed(error)
    this.#delayMs = Math.min(
      this.#opts.maxRetryDelayMs,
      this.#delayMs === 0 ? this.#opts.retryDelayMs : this.#delayMs * 2,
    )
    const fields = {
      broker: this.#opts.publisher.endpoint,
      error: describeError(error),
      retryInMs: this.#delayMs,
      queued: this.#items.length,
    }
    // Kafka says no retry helps until the cause is fixed (an ACL, a missing topic, ...): an
    // operator must act, so say it louder; the queue still retries, so a fix needs no restart.
    if (isSyncKitError(error) && !error.retryable) {
      this.#opts.logger.error(
        fields,
        'publish failed and will keep failing until its cause is fixed; retrying',
      )
    } else this.#opts.logger.warn(fields, 'publish failed; retrying')
    // stop() cuts the wait short, so a relay pointed at a dead broker still stops at once.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.#endBackoff?.(), this.#delayMs)
      this.#endBackoff = () => {
        clearTimeout(timer)
        this.#endBackoff = undefined
        resolve()
      }
    })
  }

  #wake(): void {
    const waiters = this.#idle
    this.#idle = []
    for (const w of waiters) w()
  }
}
