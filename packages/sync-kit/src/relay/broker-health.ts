import { describeError } from '../errors.js'
import type { EventPublisher, Logger } from '../ports.js'

/** What a relay knows about its broker, in `stats().broker`. */
export interface BrokerStatus {
  /** Where the publisher sends (e.g. Kafka's bootstrap brokers), without credentials. */
  readonly endpoint: string | undefined
  /** False once connecting or publishing failed, true once it worked; undefined before either. */
  readonly reachable: boolean | undefined
  /** The last connect or publish failure, cleared when a publish succeeds. */
  readonly lastError: string | undefined
}

/**
 * Tracks whether a relay's broker answers. A relay pointed at a wrong broker still starts (the
 * broker may come later, and the queue retries), so this is where the mistake shows: a warning
 * naming the host in the log, and `reachable: false` in the relay's stats.
 */
export class BrokerHealth {
  readonly #publisher: EventPublisher
  readonly #logger: Logger
  #reachable: boolean | undefined
  #lastError: string | undefined

  constructor(publisher: EventPublisher, logger: Logger) {
    this.#publisher = publisher
    this.#logger = logger
  }

  /**
   * Connects the publisher before the relay streams, so the first batch does not pay connection
   * set-up behind a flood of stream frames. An unreachable broker is logged as a warning naming
   * the host: the relay still starts, and its publish queue retries until the broker answers.
   */
  async warmUp(): Promise<void> {
    try {
      await this.#publisher.connect?.()
      this.#reachable = true
    } catch (err) {
      this.failed(err)
      this.#logger.warn(
        { broker: this.#publisher.endpoint, error: this.#lastError },
        `sync-kit relay: cannot reach the broker at ${this.#publisher.endpoint ?? '(unknown)'}; publishing will retry`,
      )
    }
  }

  /** Records a failed connect or publish. */
  failed(err: unknown): void {
    this.#reachable = false
    this.#lastError = describeError(err)
  }

  /** Records a publish the broker acknowledged. */
  published(): void {
    this.#reachable = true
    this.#lastError = undefined
  }

  status(): BrokerStatus {
    return {
      endpoint: this.#publisher.endpoint,
      reachable: this.#reachable,
      lastError: this.#lastError,
    }
  }
}
