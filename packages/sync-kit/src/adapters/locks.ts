/** A FIFO async mutex: `run` calls execute one at a time, in call order. */
export class Mutex {
  #tail: Promise<unknown> = Promise.resolve()

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn)
    this.#tail = result.catch(() => undefined)
    return result
  }
}

/** A readers-writer lock: many shared holders, or one exclusive holder; writers are not starved. */
export class RwLock {
  #shared = 0
  #exclusive = false
  #waiting: { exclusive: boolean; wake: () => void }[] = []

  async withShared<T>(fn: () => Promise<T>): Promise<T> {
    await this.#acquire(false)
    try {
      return await fn()
    } finally {
      this.#shared--
      this.#pump()
    }
  }

  async withExclusive<T>(fn: () => Promise<T>): Promise<T> {
    await this.#acquire(true)
    try {
      return await fn()
    } finally {
      this.#exclusive = false
      this.#pump()
    }
  }

  #acquire(exclusive: boolean): Promise<void> {
    if (this.#waiting.length === 0 && this.#grant(exclusive)) return Promise.resolve()
    return new Promise((wake) => {
      this.#waiting.push({ exclusive, wake })
    })
  }

  #grant(exclusive: boolean): boolean {
    if (this.#exclusive || (exclusive && this.#shared > 0)) return false
    if (exclusive) this.#exclusive = true
    else this.#shared++
    return true
  }

  #pump(): void {
    while (this.#waiting.length > 0) {
      const next = this.#waiting[0]
      if (next === undefined || !this.#grant(next.exclusive)) return
      this.#waiting.shift()
      next.wake()
    }
  }
}
