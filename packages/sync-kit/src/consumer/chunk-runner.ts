import type { ConsumedEvent } from '../envelope.js'
import type { SyncKitError } from '../errors.js'
import type { StepContext } from './apply.js'
import {
  applyChunk,
  chunkTransaction,
  ChunkCut,
  distinctEvents,
  type ChunkItem,
  type ChunkRun,
  type ItemResult,
} from './chunk.js'
import type { ConsumerEvent } from './events.js'
import type { AggregateRef, ChunkClaim, EventOrigin, TransactionOptions } from './ports.js'
import { handlerFailure, isConflict, retrying, rootCause, type RetryPolicy } from './retry.js'

/** What a {@link ChunkRunner} needs from its consumer. */
export interface ChunkRunnerDeps<Tx> {
  readonly ctx: StepContext<Tx>
  readonly txOptions: TransactionOptions
  /** Waits out store outages (its `maxAttempts` is ignored). */
  readonly retry: RetryPolicy
  /** The retry policy of one event, which reports `consumer:retried`. */
  readonly retryFor: (eventId: string) => RetryPolicy
  readonly report: (event: ConsumerEvent) => void
  /** Applies the parked successors of `aggregate` that are due. */
  readonly drain: (aggregate: AggregateRef) => Promise<void>
  /** Dead-letters an event that used up its attempts; it then fills its sequence slot. */
  readonly deadLetter: (
    event: ConsumedEvent,
    origin: EventOrigin,
    error: SyncKitError,
    attempts: number,
  ) => Promise<void>
  /** Reports events held back too long. */
  readonly checkGaps: () => Promise<unknown>
}

/** A chunk's committed prefix and the failure that stopped it, if one did. */
type Committed = { results: readonly ItemResult[]; failure?: { error: unknown } } | 'fallback'

/**
 * Applies decoded events many per transaction. A chunk's pass that stops early (a handler threw,
 * or an event must drain parked successors before the events behind it) rolls back, and the
 * prefix before that point runs again in one transaction; the event that threw is then retried
 * on its own and dead-lettered after its attempts, so it never costs its neighbours an attempt
 * and nothing is applied twice. The prefix is applied again rather than protected by a
 * SAVEPOINT per event: a chunk of savepoints that write would exceed PostgreSQL's 64 cached
 * subtransaction ids, and the happy path stays free of them.
 */
export class ChunkRunner<Tx> {
  readonly #deps: ChunkRunnerDeps<Tx>

  constructor(deps: ChunkRunnerDeps<Tx>) {
    this.#deps = deps
  }

  /**
   * Applies a prefix of `items` in one transaction, then handles the event that stopped it (if
   * one did) on its own. Returns how many items are done (at least one).
   */
  async apply(items: readonly ChunkItem<Tx>[]): Promise<number> {
    const out = await this.#commitPrefix(items)
    if (out === 'fallback') {
      // The chunk's own statements fail (not one event's handler): each event alone, so that
      // only the event at fault uses up attempts and is dead-lettered.
      for (const item of items) await this.#applyAlone(item, undefined)
      return items.length
    }
    await this.#afterCommit(items, out.results)
    const failed = items[out.results.length]
    if (out.failure === undefined || failed === undefined) return out.results.length
    await this.#applyAlone(failed, out.failure)
    return out.results.length + 1
  }

  /**
   * Commits the longest prefix of `items` that applies cleanly: a pass that stops early (an
   * event threw, or needs a drain before the events behind it) is rolled back and the prefix
   * before that point applied again, so nothing is half-applied and nothing twice.
   */
  async #commitPrefix(items: readonly ChunkItem<Tx>[]): Promise<Committed> {
    let n = items.length
    let failure: { error: unknown } | undefined
    for (;;) {
      const res = await retrying({ ...this.#deps.retry, maxAttempts: 1 }, () =>
        this.#chunkTx(items.slice(0, n), 1),
      )
      if (!res.ok) return 'fallback'
      const { committed, run } = res.value
      if (committed) return { results: run.results, failure }
      failure = run.failure
      n = run.results.length
      if (n === 0) return failure === undefined ? 'fallback' : { results: [], failure }
    }
  }

  /** One transaction for `items`; `committed` is false when the pass stopped early and rolled back. */
  async #chunkTx(
    items: readonly ChunkItem<Tx>[],
    attempt: number,
  ): Promise<{ committed: boolean; run: ChunkRun }> {
    const body = async (tx: Tx, claim: ChunkClaim) => {
      const run = await applyChunk(tx, this.#deps.ctx, items, claim, attempt)
      if (run.results.length < items.length) throw new ChunkCut(run)
      return { sequences: run.sequences, value: run }
    }
    const { store: db, namespace } = this.#deps.ctx
    try {
      const events = distinctEvents(items)
      return {
        committed: true,
        run: await chunkTransaction(db, namespace, events, body, this.#deps.txOptions),
      }
    } catch (err) {
      if (!(err instanceof ChunkCut)) throw err
      const failure = err.run.failure
      // A statement that failed because the database went away, or because Postgres aborted the
      // transaction for a concurrent one, is no event's fault: the whole chunk runs again.
      if (failure !== undefined) {
        const cause = rootCause(failure.error)
        if (db.isUnavailable(cause) || isConflict(cause)) throw failure.error
      }
      return { committed: false, run: err.run }
    }
  }

  /**
   * One event in transactions of its own, with retries and backoff, then the dead-letter topic.
   * `failed`: its first attempt already failed inside a chunk (that counts as attempt 1).
   */
  async #applyAlone(item: ChunkItem<Tx>, failed: { error: unknown } | undefined): Promise<void> {
    const { event, origin } = item
    let first = failed
    const res = await retrying(this.#deps.retryFor(event.id), async (attempt) => {
      if (first !== undefined) {
        const { error } = first
        first = undefined
        throw error
      }
      const { committed, run } = await this.#chunkTx([item], attempt)
      if (!committed) throw run.failure?.error
      return run
    })
    if (res.ok) return this.#afterCommit([item], res.value.results)
    await this.#deps.deadLetter(
      event,
      origin,
      handlerFailure(res.error, res.attempts, event.id),
      res.attempts,
    )
  }

  /** Reports what a committed transaction did, then releases parked successors if it may have. */
  async #afterCommit(items: readonly ChunkItem<Tx>[], results: readonly ItemResult[]) {
    results.forEach((r, i) => {
      const { event, origin } = items[i]!
      r.events.forEach((e) => this.#deps.report(e))
      if (r.outcome === 'held') return
      this.#deps.report({ type: `consumer:${r.outcome}`, eventId: event.id, origin })
    })
    // A duplicate drains too: a crash between an apply and its drain leaves successors parked,
    // and the redelivery of that event is what releases them. A pass stops right after an event
    // that drains, so the drain runs before the events behind it.
    const last = results.length - 1
    if (results[last]?.drain === true) await this.#deps.drain(items[last]!.event)
    if (results.some((r) => r.outcome === 'held')) await this.#deps.checkGaps()
  }
}
