/** One call waiting for its deadline; see {@link Deadlines}. */
export interface Deadline {
  readonly at: number
  settled: boolean
  readonly expire: () => void
}

/**
 * Timeouts for calls that all share one duration, on one timer. Because every call gets the same
 * duration, deadlines are ordered like the calls, so a FIFO plus one timer armed for the oldest
 * open deadline fires each expiry at its exact time. This replaces a `setTimeout` and a
 * `clearTimeout` per store call, which dominated the guard's cost on the L2-hit path.
 * Uses real time (`performance.now()`), like the guard it serves.
 */
export class Deadlines {
  readonly #durationMs: number
  #queue: Deadline[] = []
  #head = 0
  #open = 0
  #timer: NodeJS.Timeout | undefined

  constructor(durationMs: number) {
    this.#durationMs = durationMs
  }

  /** Calls `expire` after the duration unless {@link settle} comes first. */
  add(expire: () => void): Deadline {
    const deadline: Deadline = { at: performance.now() + this.#durationMs, settled: false, expire }
    this.#queue.push(deadline)
    this.#open += 1
    // A timer left armed while idle fires no later than this deadline (deadlines are FIFO).
    if (this.#timer !== undefined) this.#timer.ref()
    else this.#arm()
    return deadline
  }

  /**
   * Marks a call done. When none is open the timer stays armed but stops holding the process
   * open (unref): one caller at a time would otherwise pay a setTimeout and a clearTimeout per
   * call. When it fires with nothing open, it simply lapses.
   */
  settle(deadline: Deadline): void {
    if (deadline.settled) return
    deadline.settled = true
    this.#open -= 1
    if (this.#open === 0) {
      this.#queue.length = 0
      this.#head = 0
      this.#timer?.unref()
    }
  }

  #arm(): void {
    if (this.#timer !== undefined) return
    while (this.#head < this.#queue.length && this.#queue[this.#head]!.settled) this.#head += 1
    const next = this.#queue[this.#head]
    if (next === undefined) {
      this.#queue.length = 0
      this.#head = 0
      return
    }
    const wait = Math.max(0, next.at - performance.now())
    this.#timer = setTimeout(() => this.#fire(), wait)
  }

  #fire(): void {
    this.#timer = undefined
    const now = performance.now()
    for (
      let deadline = this.#queue[this.#head];
      deadline !== undefined;
      deadline = this.#queue[this.#head]
    ) {
      if (!deadline.settled && deadline.at > now) break
      this.#head += 1
      if (!deadline.settled) {
        deadline.settled = true
        this.#open -= 1
        deadline.expire()
      }
    }
    // Drop the consumed prefix now and then, so the array does not grow for the process's life.
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head)
      this.#head = 0
    }
    this.#arm()
  }
}
