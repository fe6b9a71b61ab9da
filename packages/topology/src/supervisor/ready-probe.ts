import { Agent, request, type Dispatcher } from 'undici'
import type { ProbeTls } from './types.js'

/** An undici dispatcher for readiness probes, trusting `tls` for `https://` instances. */
export function probeDispatcher(tls: ProbeTls | undefined): Dispatcher {
  return new Agent({
    connect: tls === undefined ? {} : { ...tls },
    keepAliveTimeout: 1_000,
    connections: 4,
  })
}

/** One GET `/readyz`: true on 200; any error or other status is "not ready yet". */
export async function isReady(url: string, dispatcher: Dispatcher, timeoutMs = 2_000) {
  try {
    const response = await request(new URL('/readyz', url), {
      dispatcher,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    })
    await response.body.dump()
    return response.statusCode === 200
  } catch {
    return false
  }
}

/**
 * Polls `/readyz` until it answers 200, `stillAlive()` turns false, or the deadline passes.
 * Returns whether it became ready.
 */
export async function waitReady(
  url: string,
  options: { dispatcher: Dispatcher; deadline: number; stillAlive: () => boolean },
): Promise<boolean> {
  while (options.stillAlive() && Date.now() < options.deadline) {
    if (await isReady(url, options.dispatcher)) return true
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return false
}
