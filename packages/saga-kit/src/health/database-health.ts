import type { Clock, Logger } from '@faultline/common'
import { isUnreachable } from './unreachable.js'

/** What a saga-kit component knows about its database, in `metrics().database`. */
export interface DatabaseStatus {
  /** Where the database is, `host:port`, never a user name or password; undefined when unknown. */
  readonly endpoint: string | undefined
  /**
   * False once a query failed because the database could not be reached (connection refused or
   * lost, server shutting down), true once a query succeeded; undefined before either.
   */
  readonly reachable: boolean | undefined
  /** The last failure to reach it, cleared when a query succeeds. */
  readonly lastError: string | undefined
  /** When `reachable` last changed (the component's clock, epoch ms); undefined before. */
  readonly since: number | undefined
}

/**
 * While the database stays unreachable, the warning is repeated this often at most: an outage
 * that lasts shows in the log without one line per poll.
 */
export const UNREACHABLE_REMINDER_MS = 60_000

/**
 * @internal Tracks whether one component's database answers. It logs a warning naming the host
 * when the database becomes unreachable, a reminder at most every
 * {@link UNREACHABLE_REMINDER_MS} while it stays so, and an info line when it answers again:
 * never one line per failed poll.
 */
export class DatabaseHealth {
  readonly #component: string
  readonly #endpoint: string | undefined
  readonly #logger: Logger
  readonly #clock: Clock
  #reachable: boolean | undefined
  #lastError: string | undefined
  #since: number | undefined
  #warnedAt = 0

  constructor(component: string, endpoint: string | undefined, logger: Logger, clock: Clock) {
    this.#component = component
    this.#endpoint = endpoint
    this.#logger = logger
    this.#clock = clock
  }

  /** Records a query that succeeded; logs the recovery when the database was unreachable. */
  succeeded(): void {
    const was = this.#reachable
    this.#lastError = undefined
    if (was === true) return
    this.#change(true)
    if (was === false) {
      this.#logger.info(
        { component: this.#component, database: this.#where },
        `saga-kit ${this.#component}: the database at ${this.#where} answers again`,
      )
    }
  }

  /**
   * Records a failed query. Returns true when the failure means the database is unreachable,
   * which this has logged (the caller need not log it again), false for any other error.
   */
  failed(error: unknown): boolean {
    if (!isUnreachable(error)) return false
    this.unreachable(describe(error))
    return true
  }

  /** Records that the database could not be reached, for `reason`. */
  unreachable(why: string): void {
    const reason = redact(why)
    this.#lastError = reason
    const now = this.#clock.now()
    if (this.#reachable === false && now - this.#warnedAt < UNREACHABLE_REMINDER_MS) return
    const downForMs = this.#reachable === false ? now - (this.#since ?? now) : 0
    if (this.#reachable !== false) this.#change(false)
    this.#warnedAt = now
    this.#logger.warn(
      { component: this.#component, database: this.#where, error: reason, downForMs },
      `saga-kit ${this.#component}: cannot reach the database at ${this.#where} (${reason}); will retry`,
    )
  }

  /** Runs `work`, recording whether it reached the database; its outcome is passed through. */
  async track<Result>(work: () => Promise<Result>): Promise<Result> {
    try {
      const result = await work()
      this.succeeded()
      return result
    } catch (error) {
      this.failed(error)
      throw error
    }
  }

  status(): DatabaseStatus {
    return {
      endpoint: this.#endpoint,
      reachable: this.#reachable,
      lastError: this.#lastError,
      since: this.#since,
    }
  }

  get #where(): string {
    return this.#endpoint ?? '(unknown host)'
  }

  #change(reachable: boolean): void {
    this.#reachable = reachable
    this.#since = this.#clock.now()
  }
}

/**
 * An error's message, or its code: Node's error for a refused connection to a name with several
 * addresses has an empty message.
 */
function describe(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code
  const message = error instanceof Error ? error.message : String(error)
  return message === '' && typeof code === 'string' ? code : message
}

/** `text` with any `user:password@` of a connection string in it taken out. */
function redact(text: string): string {
  return text.replace(/\/\/[^@/\s]*@/g, '//***@')
}
