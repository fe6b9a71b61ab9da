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

/**
 * Resolves after `ms`, or at once when `signal` aborts: a removed toxic releases its data. Never
 * resolves early: libuv timers run on a whole-millisecond clock and can fire up to 1 ms before a
 * `performance.now()` deadline, which would let a latency toxic undercut its own setting.
 */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve()
  const deadline = now() + ms
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout
    const done = (): void => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const arm = (): void => {
      const left = deadline - now()
      if (left <= 0) done()
      else timer = setTimeout(arm, Math.ceil(left))
    }
    signal.addEventListener('abort', done, { once: true })
    arm()
  })
}

/** Resolves when `signal` aborts. */
export function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve()
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))
}
