/**
 * An unbounded async queue with one consumer: the run pushes events as they happen and the UI
 * iterates them. Progress events are few (a handful a second), so no bound is needed; the history,
 * which is large, goes to disk instead.
 */
export class Channel<T> implements AsyncIterable<T> {
  private readonly queue: T[] = []
  private waiting: ((result: IteratorResult<T>) => void) | undefined
  private closed = false

  /** Queues a value (ignored once closed). */
  push(value: T): void {
    if (this.closed) return
    const waiting = this.waiting
    if (waiting !== undefined) {
      this.waiting = undefined
      waiting({ value, done: false })
    } else this.queue.push(value)
  }

  /** Ends the iteration once the queue is drained. */
  close(): void {
    this.closed = true
    const waiting = this.waiting
    this.waiting = undefined
    waiting?.({ value: undefined, done: true })
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        const value = this.queue.shift()
        if (value !== undefined) return Promise.resolve({ value, done: false })
        if (this.closed) return Promise.resolve({ value: undefined, done: true })
        return new Promise((resolve) => (this.waiting = resolve))
      },
    }
  }
}
