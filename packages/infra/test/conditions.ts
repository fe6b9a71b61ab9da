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
