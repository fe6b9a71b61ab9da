/** A piece of stream data and when it reached the proxy (or left the previous delay). */
export interface Chunk {
  readonly data: Buffer
  /** `performance.now()` time the chunk is considered sent from; delays count from here. */
  readonly timestamp: number
}

/** Monotonic milliseconds; wall-clock jumps must not shorten or stretch a delay. */
export function now(): number {
  return performance.now()
}

/** Resolves after `ms`, or at once when `signal` aborts: a removed toxic releases its data. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve()
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })
}

/** Resolves when `signal` aborts. */
export function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve()
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))
}
