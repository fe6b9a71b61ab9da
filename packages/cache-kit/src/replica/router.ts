import { formatLsn, type Logger, type Lsn, type LsnInput, type SqlClient } from '@faultline/common'
import type { Loader, LoaderContext, LoadSource } from '../loader.js'
import { toLsnValue } from '../lsn.js'
import {
  resolveReplicaOptions,
  type ReplicaRouterOptions,
  type ResolvedReplicaOptions,
} from './options.js'
import { ReplayTracker } from './replay-tracker.js'
import type { SqlPool } from './sql.js'
import { maxLsnValue, parseToken } from './token.js'
import { runWrite, readCurrentToken, type WriteResult } from './write.js'

/** Why a read went to the primary. */
export type PrimaryReason = 'lagging' | 'replica-unavailable' | 'not-standby' | 'fence-retry'

/** Where a read goes: the replica (with the replay LSN it is known to have reached) or the primary. */
export type Route =
  | { readonly target: 'replica'; readonly replayLsn: Lsn; readonly waited: boolean }
  | { readonly target: 'primary'; readonly reason: PrimaryReason }

/** Options for one read. */
export interface ReadOptions {
  /**
   * A write's token (text like `16/B374D848`, or a BigInt): the read must see that write
   * (read-your-writes).
   */
  token?: LsnInput | undefined
}

/** What {@link ReplicaRouter.read} returns. */
export interface ReadResult<T> {
  readonly result: T
  readonly route: Route
  /** Replay LSN the replica had reached before the read (a lower bound of what it saw). */
  readonly lsn: Lsn | undefined
}

/** A read for a cache loader: it also receives the loader context (signal, `report`). */
export type ReplicaQuery<T> = (
  db: SqlClient,
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
 * primary does. Writes run on the primary and return a token. Create one with
 * {@link createReplicaRouter}.
 */
export class ReplicaRouter {
  readonly #primary: SqlPool
  readonly #replica: SqlClient
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

  /** @internal Use {@link createReplicaRouter}. */
  constructor(options: ReplicaRouterOptions) {
    this.#options = resolveReplicaOptions(options)
    this.#primary = this.#options.primary
    this.#replica = this.#options.replica
    this.#logger = this.#options.logger
    this.#tracker = new ReplayTracker(this.#replica, this.#options)
  }

  /**
   * Runs `work` in one transaction on the primary and returns its result with a read-your-writes
   * token. If `work` throws, the transaction is rolled back and its error is rethrown unchanged.
   * `tx` is a `SqlClient`, so another kit's writes (sync-kit's `appendEvents(tx, …)`) join the
   * transaction with no cast.
   */
  async write<T>(work: (tx: SqlClient) => Promise<T>): Promise<WriteResult<T>> {
    return runWrite(this.#primary, work)
  }

  /**
   * A token covering every transaction that committed on the primary before this call, for
   * callers that run their own transactions (e.g. an outbox write).
   */
  async currentToken(): Promise<Lsn> {
    return readCurrentToken(this.#primary)
  }

  /**
   * Decides where a read that must see `minLsn` (text or BigInt) goes, waiting for the replica up
   * to `maxWaitMs`.
   */
  async route(minLsn?: LsnInput): Promise<Route> {
    const target = minLsn === undefined ? undefined : toLsnValue(minLsn, 'minLsn')
    return this.#count(await this.#decide(target))
  }

  #count(route: Route): Route {
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
    this.#logger.warn(
      { err: error, retryAfterMs: this.#options.replicaRetryAfterMs },
      'cache-kit/postgres: the replica did not answer its replay probe; reading the primary',
    )
    return 'replica-unavailable'
  }

  /** Runs a read on the replica when it has replayed `options.token`, else on the primary. */
  async read<T>(
    work: (db: SqlClient) => Promise<T>,
    options: ReadOptions = {},
  ): Promise<ReadResult<T>> {
    const token = parseToken(options?.token)
    const route = this.#count(await this.#decide(token))
    const db = route.target === 'replica' ? this.#replica : this.#primary
    const lsn = route.target === 'replica' ? route.replayLsn : undefined
    return { result: await work(db), route, lsn }
  }

  /**
   * A cache-kit {@link Loader} that reads through this router. It must see the larger of the
   * caller's token and the key's invalidation LSN (`ctx.watermark.lsn`), and it reports the
   * replica's replay LSN as the LSN of what it loaded, so the cache's fill fence can refuse a
   * value read behind an invalidation. A reload after such a refusal (`ctx.attempt > 0`) reads the
   * primary. The token is checked here: a malformed one throws `E_CACHE_INVALID_LSN` before
   * the cache is touched.
   */
  loader<T>(query: ReplicaQuery<T>, options: ReadOptions = {}): Loader<T> {
    const token = parseToken(options?.token)
    return async (ctx) => {
      const watermark =
        ctx.watermark.lsn === undefined ? undefined : toLsnValue(ctx.watermark.lsn, 'watermark.lsn')
      const route =
        ctx.attempt > 0
          ? await this.#fenceRetry()
          : this.#count(await this.#decide(maxLsnValue(token, watermark)))
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
  const known: LoadSource = route.target === 'replica' ? { lsn: route.replayLsn } : {}
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
  return { target: 'replica', replayLsn: formatLsn(replayLsn), waited }
}

/**
 * Creates a {@link ReplicaRouter} over a primary pool and one standby. Invalid options throw
 * `E_CACHE_INVALID_OPTION` here.
 */
export function createReplicaRouter(options: ReplicaRouterOptions): ReplicaRouter {
  return new ReplicaRouter(options)
}
