/**
 * Whether an in-memory part is up. Each fault on it holds it down until released (two faults may
 * overlap); work that must wait for it (a saga step) awaits {@link Switch.whenOn} instead of
 * polling.
 */
export class Switch {
  #holds = 0
  #waiters: (() => void)[] = []

  /** True while nothing holds the part down. */
  get on(): boolean {
    return this.#holds === 0
  }

  /** Holds the part down until the matching {@link release}. */
  hold(): void {
    this.#holds++
  }

  /** Ends one hold; the last one brings the part back and wakes whoever waited for it. */
  release(): void {
    this.#holds = Math.max(0, this.#holds - 1)
    if (this.#holds === 0) this.#wake()
  }

  /** Ends every hold (the target is closing). */
  reset(): void {
    this.#holds = 0
    this.#wake()
  }

  /** Resolves at once while up, else when the part comes back or `signal` aborts. */
  whenOn(signal?: AbortSignal): Promise<void> {
    if (this.on || signal?.aborted === true) return Promise.resolve()
    return new Promise((resolve) => {
      const done = (): void => {
        signal?.removeEventListener('abort', done)
        resolve()
      }
      this.#waiters.push(done)
      signal?.addEventListener('abort', done, { once: true })
    })
  }

  #wake(): void {
    const waiters = this.#waiters
    this.#waiters = []
    for (const wake of waiters) wake()
  }
}
