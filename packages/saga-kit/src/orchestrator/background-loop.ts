/**
 * Runs `work` again `everyMs` after each run settles, until {@link stop}. It holds one timer at a
 * time (the next run's), so a loop that runs for days keeps no more than one that ran once.
 */
export class BackgroundLoop {
  readonly #work: () => Promise<unknown>
  readonly #everyMs: number
  readonly #onError: (error: unknown) => void
  #timer: NodeJS.Timeout | undefined
  /** The run in progress, if any: {@link stop} waits for it. */
  #running: Promise<void> | undefined
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

  /**
   * No run starts after this; resolves once the run in progress (if any) has settled, so the
   * caller may end the pool the work uses right after.
   */
  async stop(): Promise<void> {
    this.#stopped = true
    clearTimeout(this.#timer)
    this.#timer = undefined
    await this.#running
  }

  /** 1 while the next run is scheduled, else 0 (for the soak test's probe). */
  get pendingTimers(): number {
    return this.#timer === undefined ? 0 : 1
  }

  #tick = (): void => {
    this.#timer = undefined
    if (this.#stopped) return
    this.#running = this.#work()
      .then(() => undefined, this.#onError)
      .finally(() => {
        this.#running = undefined
        if (!this.#stopped) this.#timer = setTimeout(this.#tick, this.#everyMs)
      })
  }
}
