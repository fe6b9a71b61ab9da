/**
 * Runs `work` again `everyMs` after each run settles, until {@link stop}. It holds one timer at a
 * time (the next run's), so a loop that runs for days keeps no more than one that ran once.
 */
export class BackgroundLoop {
  readonly #work: () => Promise<unknown>
  readonly #everyMs: number
  readonly #onError: (error: unknown) => void
  #timer: NodeJS.Timeout | undefined
  #stopped = false

  constructor(work: () => Promise<unknown>, everyMs: number, onError: (error: unknown) => void) {
    this.#work = work
    this.#everyMs = everyMs
    this.#onError = onError
  }

  /** Runs the work now, then every `everyMs` after each run settles. */
  start(): void {
    this.#tick()
  }

  /** No run starts after this; a run in progress finishes on its own. */
  stop(): void {
    this.#stopped = true
    clearTimeout(this.#timer)
    this.#timer = undefined
  }

  /** 1 while the next run is scheduled, else 0 (for the soak test's probe). */
  get pendingTimers(): number {
    return this.#timer === undefined ? 0 : 1
  }

  #tick = (): void => {
    this.#timer = undefined
    if (this.#stopped) return
    void this.#work()
      .catch(this.#onError)
      .finally(() => {
        if (!this.#stopped) this.#timer = setTimeout(this.#tick, this.#everyMs)
      })
  }
}
