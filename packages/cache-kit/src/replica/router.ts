import { silentLogger } from '../clock.js'
import type { Loader, LoaderContext, LoadSource } from '../loader.js'
import { parseLsn } from '../lsn.js'
import type { Logger } from '../ports.js'
import {
  resolveReplicaOptions,
  type ReplicaRouterOptions,
  type ResolvedReplicaOptions,
} from './options.js'
import { ReplayTracker } from './replay-tracker.js'
import type { SqlPool, SqlQueryable } from './sql.js'
import { maxLsn, parseToken, toToken, type ReadToken } from './token.js'
import { runWrite, readCurrentToken, type WriteResult } from './write.js'

/** Why a read went to the primary. */
export type PrimaryReason = 'lagging' | 'replica-unavailable' | 'not-standby' | 'fence-retry'

/** Where a read goes: the replica (with the replay LSN it is known to have reached) or the primary. */
export type Route =
  | { readonly target: 'replica'; readonly replayLsn: bigint; readonly waited: boolean }
  | { readonly target: 'primary'; readonly reason: PrimaryReason }

/** Options for one read. */
export interface ReadOptions {
  /** A write's token: the read must see that write (read-your-writes). */
  token?: ReadToken | undefined
}

/** What {@link ReplicaRouter.read} returns. */
export interface ReadResult<T> {
  readonly result: T
  readonly route: Route
  /** Replay LSN the replica had reached before the read (a lower bound of what it saw). */
  readonly lsn: ReadToken | undefined
}

/** A read for a cache loader: it also receives the loader context (signal, `report`). */
export type ReplicaQuery<T> = (
  db: SqlQueryable,
  ctx: LoaderContext,
) => Promise<T | undefined> | T | undefined

/** Counters since the router was created. */
export interface ReplicaRouterStats {
  readonly replicaReads: number
  readonly replicaReadsAfterWait: number
  readonly primaryReads: Readonly<Record<PrimaryReason, number>>
  readonly replayProbes: number
}

/**
 * Routes reads between a Postgres primary and one hot standby so that a read never sees less than
 * its read-your-writes token or the cache key's invalidation LSN: the replica serves it once its
 * `pg_last_wal_replay_lsn()` has reached that LSN (waiting up to `maxWaitMs`), otherwise the
 * primary does. Writes run on the primary and return a token.
 */
export class ReplicaRouter {
  readonly #primary: SqlPool
  readonly #replica: SqlPool
  readonly #options: ResolvedReplicaOptions
  readonly #logger: Logger
  readonly #tracker: ReplayTracker
  #replicaDownUntil = 0
  #replicaReads = 0
  #afterWait = 0
  readonly #primaryReads: Record<PrimaryReason, number> = {
    lagging: 0,
    'replica-unavailable': 0,
    'not-standby': 0,
    'fence-retry': 0,
  }

  constructor(options: ReplicaRouterOptions) {
    this.#options = resolveReplicaOptions(options)
    this.#primary = options.primary
    this.#replica = options.replica
    this.#logger = options.logger ?? silentLogger
    this.#tracker = new ReplayTracker(options.replica, this.#options)
  }

  /**
   * Runs `work` in one transaction on the primary and returns its result with a read-your-writes
   * token. If `work` throws, the transaction is rolled back and its error is rethrown unchanged.
   */
  async write<T>(work: (tx: SqlQueryable) => Promise<T>): Promise<WriteResult<T>> {
    return runWrite(this.#primary, work)
  }

  /**
   * A token covering every transaction that committed on the primary before this call, for
   * callers that run their own transactions (e.g. an outbox write).
   */
  async currentToken(): Promise<ReadToken> {
    return readCurrentToken(this.#primary)
  }

  /** Decides where a read that must see `minLsn` goes, waiting for the replica up to `maxWaitMs`. */
  async route(minLsn?: bigint): Promise<Route> {
    const route = await this.#decide(minLsn)
    if (route.target === 'replica') {
      this.#replicaReads += 1
      if (route.waited) this.#afterWait += 1
    } else {
      this.#primaryReads[route.reason] += 1
    }
    return route
  }

  async #decide(minLsn: bigint | undefined): Promise<Route> {
    if (performance.now() < this.#replicaDownUntil) return primary('replica-unavailable')
    let latest = this.#tracker.latest
    if (latest === undefined) {
      const probed = await this.#tracker.probe().then(
        (lsn) => lsn ?? ('not-standby' as const),
        (error: unknown) => this.#replicaFailed(error),
      )
      if (typeof probed === 'string') return primary(probed)
      latest = probed
    }
    if (minLsn === undefined || latest >= minLsn) return replica(latest, false)
    if (this.#options.maxWaitMs === 0) return primary('lagging')
    const outcome = await this.#tracker.waitFor(minLsn, this.#options.maxWaitMs)
    const replayed = this.#tracker.latest
    if (outcome === 'caught-up' && replayed !== undefined) return replica(replayed, true)
    if (outcome === 'unavailable') return primary(this.#replicaFailed(undefined))
    return primary(outcome === 'not-standby' ? 'not-standby' : 'lagging')
  }

  #replicaFailed(error: unknown): 'replica-unavailable' {
    this.#replicaDownUntil = performance.now() + this.#options.replicaRetryAfterMs
    this.#logger.warn('cache-kit/postgres: replica probe failed; reading the primary', { error })
    return 'replica-unavailable'
  }

  /** Runs a read on the replica when it has replayed `options.token`, else on the primary. */
  async read<T>(
    work: (db: SqlQueryable) => Promise<T>,
    options: ReadOptions = {},
  ): Promise<ReadResult<T>> {
    const token = options.token === undefined ? undefined : parseToken(options.token)
    const route = await this.route(token)
    const db = route.target === 'replica' ? this.#replica : this.#primary
    const lsn = route.target === 'replica' ? toToken(route.replayLsn) : undefined
    return { result: await work(db), route, lsn }
  }

  /**
   * A cache-kit {@link Loader} that reads through this router. It must see the larger of the
   * caller's token and the key's invalidation LSN (`ctx.watermark.lsn`), and it reports the
   * replica's replay LSN as the LSN of what it loaded, so the cache's fill fence can refuse a
   * value read behind an invalidation. A reload after such a refusal (`ctx.attempt > 0`) reads the
   * primary. The token is checked here: a malformed one throws `E_CACHE_INVALID_TOKEN` before
   * the cache is touched.
   */
  loader<T>(query: ReplicaQuery<T>, options: ReadOptions = {}): Loader<T> {
    const token = options.token === undefined ? undefined : parseToken(options.token)
    return async (ctx) => {
      const watermark = ctx.watermark.lsn === undefined ? undefined : parseLsn(ctx.watermark.lsn)
      const route =
        ctx.attempt > 0 ? await this.#fenceRetry() : await this.route(maxLsn(token, watermark))
      const db = route.target === 'replica' ? this.#replica : this.#primary
      return query(db, reporting(ctx, route))
    }
  }

  #fenceRetry(): Promise<Route> {
    this.#primaryReads['fence-retry'] += 1
    return Promise.resolve(primary('fence-retry'))
  }

  /** Counters since creation. */
  stats(): ReplicaRouterStats {
    return {
      replicaReads: this.#replicaReads,
      replicaReadsAfterWait: this.#afterWait,
      primaryReads: { ...this.#primaryReads },
      replayProbes: this.#tracker.probes,
    }
  }
}

/**
 * The context the query sees: its own `report()` calls (e.g. a row version) merge with the LSN the
 * router knows, which always wins for a replica read (it is the only lower bound we can vouch for).
 */
function reporting(ctx: LoaderContext, route: Route): LoaderContext {
  const known: LoadSource = route.target === 'replica' ? { lsn: toToken(route.replayLsn) } : {}
  let merged: LoadSource = known
  ctx.report(merged)
  return {
    key: ctx.key,
    signal: ctx.signal,
    watermark: ctx.watermark,
    attempt: ctx.attempt,
    report: (source) => {
      merged = { ...merged, ...source, ...known }
      ctx.report(merged)
    },
  }
}

function primary(reason: PrimaryReason): Route {
  return { target: 'primary', reason }
}

function replica(replayLsn: bigint, waited: boolean): Route {
  return { target: 'replica', replayLsn, waited }
}

/** Creates a {@link ReplicaRouter}. Invalid options throw `E_CACHE_INVALID_OPTION` here. */
export function createReplicaRouter(options: ReplicaRouterOptions): ReplicaRouter {
  return new ReplicaRouter(options)
}
