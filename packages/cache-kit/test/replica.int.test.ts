import pg from 'pg'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startPostgres, startRedis, type PostgresHandle, type RedisHandle } from '@faultline/infra'
import { createCache, type Loader, type ReadThroughCache } from '@faultline/cache-kit'
import {
  createReplicaRouter,
  type ReplicaRouter,
  type SqlClient,
} from '@faultline/cache-kit/postgres'
import { createRedisStore, type RedisStore } from '@faultline/cache-kit/redis'
import { readVersion } from './fixtures/fake-cluster.js'

/**
 * Long enough that a write, its invalidation and the reads after it fit inside the lag even on a
 * busy machine, so the naive variant's hazard is always visible.
 */
const APPLY_DELAY_MS = 1_500
/** Keys run concurrently; each key runs its cycles in order. 50 × 10 = 500 cycles with the defence. */
const FENCED_KEYS = 50
const NAIVE_KEYS = 20
const FENCE_ONLY_KEYS = 10
const CYCLES = 10

let postgres: PostgresHandle
let redis: RedisHandle
let primary: pg.Pool
let replica: pg.Pool
const stores: RedisStore[] = []

beforeAll(async () => {
  ;[postgres, redis] = await Promise.all([
    startPostgres({ replica: true, replicaApplyDelayMs: APPLY_DELAY_MS }),
    startRedis(),
  ])
  const db = await postgres.createDatabase('replica_rw')
  primary = new pg.Pool({ connectionString: db.url, max: 30 })
  replica = new pg.Pool({ connectionString: db.replicaUrl, max: 30 })
  // Idle connections see the servers stop in afterAll; that is not a test failure.
  for (const pool of [primary, replica]) pool.on('error', () => {})
  const total = FENCED_KEYS + NAIVE_KEYS + FENCE_ONLY_KEYS
  await primary.query('CREATE TABLE items (id text PRIMARY KEY, version int NOT NULL)')
  await primary.query(
    `INSERT INTO items SELECT 'k' || i, 0 FROM generate_series(0, ${total - 1}) AS i`,
  )
  await waitForReplica(total)
})

afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()))
  await primary?.end()
  await replica?.end()
  await Promise.all([postgres?.stop(), redis?.stop()])
})

async function waitForReplica(rows: number): Promise<void> {
  for (let poll = 0; poll < 200; poll += 1) {
    const { rows: replayed } = await replica
      .query<{ n: string }>('SELECT count(*) AS n FROM items')
      .catch(() => ({ rows: [{ n: '0' }] }))
    if (Number(replayed[0]?.n) === rows) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error('the replica never replayed the fixture')
}

function cacheOn(prefix: string, l1: boolean): ReadThroughCache {
  const store = createRedisStore({ url: redis.url, prefix })
  stores.push(store)
  // The store timeout is generous: this test is about replica lag, and on a busy machine a Redis
  // call can take longer than the 1 s default, which would open the breaker and fail a write.
  return createCache({ store, ...(l1 && { l1: {} }), ttlMs: 60_000, storeTimeoutMs: 60_000 })
}

/** Tally of one variant. */
interface Tally {
  cycles: number
  /** A read issued after the write's invalidation was acknowledged returned an older version. */
  violations: number
  /** Right after the reads, the cache held a version older than the committed one. */
  staleRefills: number
  errors: number
}

/** How a variant reads: the token holder's loader and a token-less reader's loader. */
interface Variant {
  readonly name: string
  readonly writer: ReplicaRouter
  readonly withToken: (token: string) => Loader<number>
  readonly withoutToken: Loader<number>
  /** Node A (L1 + L2) reads with the token; node B (L2 only, same Redis) reads without one. */
  readonly a: ReadThroughCache
  readonly b: ReadThroughCache
}

const notCached: Loader<number> = () => {
  throw new Error('not cached')
}

async function cycle(variant: Variant, key: string, version: number, tally: Tally): Promise<void> {
  tally.cycles += 1
  const { token } = await variant.writer.write(async (tx) => {
    await tx.query('UPDATE items SET version = $2 WHERE id = $1', [key, version])
  })
  await variant.a.invalidate(key, { lsn: token })
  const reads = await Promise.allSettled([
    variant.a.getOrLoad(key, variant.withToken(token)),
    variant.b.getOrLoad(key, variant.withoutToken),
  ])
  for (const read of reads) {
    if (read.status === 'rejected') tally.errors += 1
    else if (read.value === undefined || read.value < version) tally.violations += 1
  }
  for (const node of [variant.a, variant.b]) {
    const cached = await node.getOrLoad(key, notCached).catch(() => undefined)
    if (cached !== undefined && cached < version) tally.staleRefills += 1
  }
}

async function runVariant(variant: Variant, keys: string[]): Promise<Tally> {
  const tally: Tally = { cycles: 0, violations: 0, staleRefills: 0, errors: 0 }
  await Promise.all(
    keys.map(async (key) => {
      for (let version = 1; version <= CYCLES; version += 1)
        await cycle(variant, key, version, tally)
    }),
  )
  return tally
}

const keyRange = (from: number, count: number) =>
  Array.from({ length: count }, (_, index) => `k${from + index}`)

describe(`ReplicaRouter against a real primary and a replica ${APPLY_DELAY_MS} ms behind`, () => {
  test(`${FENCED_KEYS * CYCLES} write-then-read cycles: 0 read-your-writes violations and 0 stale refills; without the defence, both`, async () => {
    const query = async (db: SqlClient, key: string) => (await readVersion(db, key)) ?? -1
    const waiting = createReplicaRouter({ primary, replica, maxWaitMs: 30_000 })
    const impatient = createReplicaRouter({ primary, replica, maxWaitMs: 50 })
    const fenced = (router: ReplicaRouter, prefix: string): Variant => ({
      name: prefix,
      writer: router,
      withToken: (token) => router.loader((db, ctx) => query(db, ctx.key), { token }),
      withoutToken: router.loader((db, ctx) => query(db, ctx.key)),
      a: cacheOn(prefix, true),
      b: cacheOn(prefix, false),
    })
    // The naive variant: same writes, same tokens, same invalidations, same caches, but the loader
    // reads the replica as it is and reports nothing, so neither routing nor the fence can act.
    const naiveLoader: Loader<number> = (ctx) => query(replica, ctx.key)
    const naive: Variant = {
      name: 'naive',
      writer: waiting,
      withToken: () => naiveLoader,
      withoutToken: naiveLoader,
      a: cacheOn('naive:', true),
      b: cacheOn('naive:', false),
    }
    // Fence only: reports the replica's replay LSN (read before the row) but does not route. The
    // fence must refuse every fill it loads behind the invalidation.
    const fenceOnlyLoader: Loader<number> = async (ctx) => {
      const { rows } = await replica.query<{ lsn: string }>(
        'SELECT pg_last_wal_replay_lsn()::text AS lsn',
      )
      ctx.report({ lsn: rows[0]?.lsn ?? '0/0' })
      return query(replica, ctx.key)
    }
    const fenceOnly: Variant = {
      name: 'fence-only',
      writer: waiting,
      withToken: () => fenceOnlyLoader,
      withoutToken: fenceOnlyLoader,
      a: cacheOn('fence-only:', true),
      b: cacheOn('fence-only:', false),
    }
    const half = FENCED_KEYS / 2
    const [wait, fallback, bare, fence] = await Promise.all([
      runVariant(fenced(waiting, 'wait:'), keyRange(0, half)),
      runVariant(fenced(impatient, 'fallback:'), keyRange(half, half)),
      runVariant(naive, keyRange(FENCED_KEYS, NAIVE_KEYS)),
      runVariant(fenceOnly, keyRange(FENCED_KEYS + NAIVE_KEYS, FENCE_ONLY_KEYS)),
    ])
    const routed = { waiting: waiting.stats(), impatient: impatient.stats() }
    console.log(
      `replica lag ${APPLY_DELAY_MS} ms: ` +
        JSON.stringify({ wait, fallback, naive: bare, fenceOnly: fence, routed }),
    )
    expect(wait.cycles + fallback.cycles).toBeGreaterThanOrEqual(500)
    for (const tally of [wait, fallback]) {
      expect(tally).toMatchObject({ violations: 0, staleRefills: 0, errors: 0 })
    }
    // Both routes were exercised: reads that waited for the replica, and primary fallbacks.
    expect(routed.waiting.replicaReadsAfterWait).toBeGreaterThan(0)
    expect(routed.impatient.primaryReads.lagging).toBeGreaterThan(0)
    // The hazard is visible to this test.
    expect(bare.violations).toBeGreaterThan(0)
    expect(bare.staleRefills).toBeGreaterThan(0)
    // The fence alone never caches a value read behind the invalidation (it fails the read instead).
    expect(fence.staleRefills).toBe(0)
    expect(fence.violations).toBe(0)
  })
})
