/** The payments service's fault knobs, changeable while it runs. */
export interface ChaosSettings {
  /** Share of charges declined (a final refusal: the saga compensates), 0 to 1. */
  readonly failureRate: number
  /** Added to every command's handling, in milliseconds. */
  readonly latencyMs: number
  /** While true, every command waits (no reply) until it is set back to false. */
  readonly hang: boolean
}

/** No faults. */
export const NO_CHAOS: ChaosSettings = Object.freeze({ failureRate: 0, latencyMs: 0, hang: false })

/**
 * A plain error: saga-kit and sync-kit count it as transient, so the command is redelivered
 * (to another instance, or to this one after a restart).
 */
function shuttingDown(): Error {
  return new Error('payments shut down while a command hung under chaos; redelivered later')
}

/** A small seeded PRNG (mulberry32), so a run's declines follow from its seed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state)
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296
  }
}

/**
 * The live chaos state of one payments instance. Hung commands wait on a promise that a PUT
 * with `hang: false` (or shutdown) settles, so they resume at once, not at the next poll.
 */
export class Chaos {
  #settings: ChaosSettings
  readonly #random: () => number
  #waiters: { resume: () => void; abort: (error: Error) => void }[] = []
  #closed = false

  constructor(initial: ChaosSettings, seed: number) {
    this.#settings = initial
    this.#random = seededRandom(seed)
  }

  /** The current settings. */
  get settings(): ChaosSettings {
    return this.#settings
  }

  /** Changes some settings; turning `hang` off releases every waiting command. */
  update(change: Partial<ChaosSettings>): ChaosSettings {
    this.#settings = { ...this.#settings, ...change }
    if (!this.#settings.hang) for (const waiter of this.#waiters.splice(0)) waiter.resume()
    return this.#settings
  }

  /** Applies the added latency, then waits while `hang` is on. */
  async disturb(): Promise<void> {
    const { latencyMs } = this.#settings
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs))
    if (!this.#settings.hang) return
    // A redelivery after close() must not hang again, or the consumer could never stop.
    if (this.#closed) throw shuttingDown()
    await new Promise<void>((resume, abort) => this.#waiters.push({ resume, abort }))
  }

  /** Whether this charge is declined, drawn from the seeded sequence. */
  declines(): boolean {
    return this.#random() < this.#settings.failureRate
  }

  /** Fails every hung command, and every later one while hang is on, so shutdown can drain. */
  close(): void {
    this.#closed = true
    const error = shuttingDown()
    for (const waiter of this.#waiters.splice(0)) waiter.abort(error)
  }
}
