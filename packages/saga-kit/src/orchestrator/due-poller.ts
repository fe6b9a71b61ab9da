import type { EngineDeps } from '../engine/engine-deps.js'
import { claimAndRunOne } from '../engine/poller.js'
import type { DatabaseHealth } from '../health/database-health.js'

/**
 * Advances due sagas (timers, retries, expired leases). The poll loops share it: one "is anything
 * due?" probe per interval answers for all of them (most find nothing), and once one finds work,
 * all of them join in.
 */
export class DuePoller {
  readonly #deps: EngineDeps
  readonly #running: () => boolean
  /** Each probe tells whether the database answers: a poll that cannot reach it is logged there. */
  readonly #health: DatabaseHealth
  /** Until when the loops skip their probe (a `performance.now()` time). */
  #quietUntil = 0

  constructor(deps: EngineDeps, running: () => boolean, health: DatabaseHealth) {
    this.#deps = deps
    this.#running = running
    this.#health = health
  }

  /** Advances due sagas one at a time, at most `limit`; returns how many it touched. */
  async runDue(limit = 1000): Promise<number> {
    const skip = new Set<string>()
    let touched = 0
    while (touched < limit && this.#running()) {
      try {
        const sagaId = await claimAndRunOne(this.#deps, skip)
        this.#health.succeeded()
        if (sagaId === null) break
        touched++
      } catch (error) {
        if (this.#health.failed(error)) break
        this.#deps.logger.error(
          { error: String(error) },
          'saga-kit: advancing a due saga failed; will retry on a later poll',
        )
        break
      }
    }
    return touched
  }

  /** One loop's poll: probes unless another loop probed within `pollMs`. */
  async poll(pollMs: number): Promise<void> {
    const now = performance.now()
    if (now < this.#quietUntil) return
    this.#quietUntil = now + pollMs
    if ((await this.runDue()) > 0) this.#quietUntil = 0
  }
}
