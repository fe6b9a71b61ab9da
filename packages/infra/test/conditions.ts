import { monitorEventLoopDelay } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'

/**
 * How long a test waits for something that must happen before calling it a hang. It only turns
 * a hang into a failure, so it is generous: a loaded machine is slow, not wrong.
 */
export const HANG_MS = 60_000

/** Polls `check` until it holds; throws naming `what` once `timeoutMs` has passed without it. */
export async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = HANG_MS,
): Promise<void> {
  const started = performance.now()
  while (!(await check())) {
    if (performance.now() - started > timeoutMs)
      throw new Error(`${what}: not within ${timeoutMs} ms`)
    await sleep(20)
  }
}

/**
 * Watches how late this process's timers fire. A bound like "the round trip takes at most the
 * toxic's latency plus 150 ms" is kept by the code but missed by the scheduler on a busy machine;
 * adding the worst lateness seen while measuring separates the two, so the test checks the code.
 */
export function watchSchedulingDelay(): { maxMs(): number; stop(): void } {
  const histogram = monitorEventLoopDelay({ resolution: 10 })
  histogram.enable()
  return {
    maxMs: () => histogram.max / 1e6,
    stop: () => histogram.disable(),
  }
}
