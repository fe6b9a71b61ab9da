import { tryParseLsn, type SqlClient } from '@faultline/common'
import type { ResolvedReplicaOptions } from './options.js'
import { lsnColumn, runOwn, sourceError } from './sql.js'

/** @internal How a wait for the replica ended. */
export type WaitOutcome = 'caught-up' | 'timeout' | 'unavailable' | 'not-standby'

interface Waiter {
  readonly target: bigint
  readonly settle: (outcome: WaitOutcome) => void
}

const PROBE_SQL = 'SELECT pg_last_wal_replay_lsn()::text AS lsn'

/**
 * Remembers the replica's last seen `pg_last_wal_replay_lsn()`, so a read whose token the replica
 * is already known to have replayed costs no extra query. Probes are single-flight, and while reads
 * wait one poll loop (with backoff) serves all of them: one query per tick, however many waiters.
 *
 * The remembered LSN is only ever used as a lower bound of what a later snapshot on the replica
 * contains (it was observed before that snapshot was taken). A failed probe forgets it, because a
 * restarted standby can come back at an older replay position.
 * @internal
 */
export class ReplayTracker {
  readonly #replica: SqlClient
  readonly #options: ResolvedReplicaOptions
  readonly #waiters = new Set<Waiter>()
  #latest: bigint | undefined
  #probing: Promise<bigint | undefined> | undefined
  #polling = false
  #probes = 0

  constructor(replica: SqlClient, options: ResolvedReplicaOptions) {
    this.#replica = replica
    this.#options = options
  }

  /** The last replay LSN seen, if any. */
  get latest(): bigint | undefined {
    return this.#latest
  }

  /** Replay probes sent so far. */
  get probes(): number {
    return this.#probes
  }

  /**
   * Asks the replica for its replay LSN (joining a probe already in flight). `undefined` means the
   * server is not in recovery (a promoted or mis-wired "replica"). Rejects with
   * `E_CACHE_SOURCE_FAILED` when the replica does not answer.
   */
  probe(): Promise<bigint | undefined> {
    this.#probing ??= this.#probeOnce().finally(() => (this.#probing = undefined))
    return this.#probing
  }

  async #probeOnce(): Promise<bigint | undefined> {
    this.#probes += 1
    try {
      const result = await runOwn(
        this.#replica,
        PROBE_SQL,
        'replay-probe',
        'Replica replay probe failed',
      )
      const text = lsnColumn(result, 'replay-probe')
      const value = text === null ? undefined : tryParseLsn(text)
      if (text !== null && value === undefined) {
        throw sourceError(
          'replay-probe',
          `The replica returned "${text}" as its replay LSN`,
          undefined,
        )
      }
      this.#latest = value
      return this.#latest
    } catch (error) {
      this.#latest = undefined
      throw sourceError('replay-probe', 'Replica replay probe failed', error)
    }
  }

  /** Resolves once the replica has replayed `target`, or says why it gave up. */
  waitFor(target: bigint, timeoutMs: number): Promise<WaitOutcome> {
    if (this.#latest !== undefined && this.#latest >= target) return Promise.resolve('caught-up')
    return new Promise<WaitOutcome>((resolve) => {
      const timer = setTimeout(() => waiter.settle('timeout'), timeoutMs)
      const waiter: Waiter = {
        target,
        settle: (outcome) => {
          clearTimeout(timer)
          if (this.#waiters.delete(waiter)) resolve(outcome)
        },
      }
      this.#waiters.add(waiter)
      if (!this.#polling) void this.#poll()
    })
  }

  async #poll(): Promise<void> {
    this.#polling = true
    let delayMs = this.#options.pollMinMs
    while (this.#waiters.size > 0) {
      const outcome = await this.probe().then(
        (lsn) => (lsn === undefined ? 'not-standby' : lsn),
        () => 'unavailable' as const,
      )
      for (const waiter of [...this.#waiters]) {
        if (typeof outcome === 'string') waiter.settle(outcome)
        else if (outcome >= waiter.target) waiter.settle('caught-up')
      }
      if (this.#waiters.size === 0) break
      await new Promise((resolve) => setTimeout(resolve, delayMs))
      delayMs = Math.min(delayMs * 2, this.#options.pollMaxMs)
    }
    this.#polling = false
  }
}
