import type { LocalFence, LocalTicket } from './local-fence.js'

interface Flight<T> {
  readonly ticket: LocalTicket
  readonly promise: Promise<T>
}

/**
 * In-process single-flight. A caller joins a running flight only if no invalidation reached this
 * node since that flight began; otherwise it starts its own, so a read that begins after an
 * acknowledged invalidation never receives a value loaded before it.
 */
export class SingleFlight<T> {
  readonly #flights = new Map<string, Flight<T>>()
  readonly #fence: LocalFence

  constructor(fence: LocalFence) {
    this.#fence = fence
  }

  /** True if a current flight for `key` is running. */
  has(key: string): boolean {
    const flight = this.#flights.get(key)
    return flight !== undefined && this.#fence.isCurrent(key, flight.ticket)
  }

  run(
    key: string,
    tags: readonly string[],
    start: (ticket: LocalTicket) => Promise<T>,
  ): Promise<T> {
    const running = this.#flights.get(key)
    if (running !== undefined && this.#fence.isCurrent(key, running.ticket)) return running.promise
    const ticket = this.#fence.ticket(key, tags)
    const promise = start(ticket).finally(() => {
      if (this.#flights.get(key)?.promise === promise) this.#flights.delete(key)
    })
    this.#flights.set(key, { ticket, promise })
    return promise
  }
}
