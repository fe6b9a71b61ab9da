import fc from 'fast-check'
import { describe, expect, test, vi } from 'vitest'
import {
  createCache,
  createMemoryCacheStore,
  formatLsn,
  isCacheKitError,
  parseLsn,
  type LoaderContext,
} from '@faultline/cache-kit'
import {
  createReplicaRouter,
  type ReplicaRouterOptions,
  type SqlClient,
} from '@faultline/cache-kit/postgres'
import { FakeCluster, readVersion } from './fixtures/fake-cluster.js'

function setup(options: Partial<ReplicaRouterOptions> = {}) {
  const cluster = new FakeCluster()
  const router = createReplicaRouter({
    primary: cluster.primary,
    replica: cluster.replica,
    pollMinMs: 1,
    pollMaxMs: 5,
    ...options,
  })
  return { cluster, router }
}

async function write(router: ReturnType<typeof setup>['router'], key: string, version: number) {
  const { token } = await router.write(async (tx) => {
    await tx.query('UPDATE items SET version = $2 WHERE id = $1', [key, version])
  })
  return token
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (error) {
    return isCacheKitError(error) ? error.code : 'not-a-cache-kit-error'
  }
  return undefined
}

describe('ReplicaRouter tokens', () => {
  test.each(['', 'abc', '0/', '/0', '1/2/3', 'G/0', '100000000/0', '0/100000000', '-1/0'])(
    'refuses the malformed token %j with E_CACHE_INVALID_LSN before anything runs',
    async (token) => {
      const { cluster, router } = setup()
      expect(codeOf(() => router.loader(() => 1, { token }))).toBe('E_CACHE_INVALID_LSN')
      const error: unknown = await router
        .read(() => Promise.resolve(1), { token })
        .catch((thrown: unknown) => thrown)
      expect(isCacheKitError(error) && error.code).toBe('E_CACHE_INVALID_LSN')
      expect(isCacheKitError(error) && error.context.option).toBe('token')
      expect(cluster.statements).toStrictEqual([])
    },
  )

  test.each([null, 42, {}, ['0/1'], -1n, 1n << 64n])('refuses the non-LSN token %p', (token) => {
    const { router } = setup()
    expect(codeOf(() => router.loader(() => 1, { token: token as never }))).toBe(
      'E_CACHE_INVALID_LSN',
    )
  })

  test('a token is accepted as text or as a BigInt, and routes the same', async () => {
    const { cluster, router } = setup({ maxWaitMs: 0 })
    const token = await write(router, 'a', 1)
    cluster.advance()
    const asText = await router.read((db) => readVersion(db, 'a'), { token })
    const asBigInt = await router.read((db) => readVersion(db, 'a'), { token: parseLsn(token) })
    expect(asText.route).toStrictEqual(asBigInt.route)
    expect(asText.route).toMatchObject({ target: 'replica', replayLsn: formatLsn(cluster.replay) })
  })

  test('orders tokens as BigInts, not as text', () => {
    const lsn = fc.bigInt({ min: 0n, max: 0xffff_ffff_ffff_ffffn })
    fc.assert(
      fc.property(lsn, lsn, (first, second) => {
        expect(parseLsn(formatLsn(first))).toBe(first)
        expect(parseLsn(formatLsn(first)) < parseLsn(formatLsn(second))).toBe(first < second)
      }),
    )
    // The case text comparison gets wrong.
    expect('F/FFFFFFFF' > '10/0').toBe(true)
    expect(parseLsn('F/FFFFFFFF') < parseLsn('10/0')).toBe(true)
  })
})

describe('ReplicaRouter routing', () => {
  test('reads the replica without another probe when it is known to have replayed the token', async () => {
    const { cluster, router } = setup()
    const token = await write(router, 'a', 1)
    cluster.advance()
    const first = await router.read((db) => readVersion(db, 'a'), { token })
    const probes = cluster.probes
    const second = await router.read((db) => readVersion(db, 'a'), { token })
    expect(first.route).toMatchObject({ target: 'replica' })
    expect(second.result).toBe(1)
    expect(cluster.probes).toBe(probes)
    expect(second.lsn).toBe(formatLsn(cluster.replay))
  })

  test('compares as BigInt across a 4 GiB boundary: replay F/FFFFFFE0 does not satisfy 10/20', async () => {
    const { cluster, router } = setup({ maxWaitMs: 0 })
    await router.read(() => Promise.resolve(undefined)) // learn the replay LSN
    expect(formatLsn(cluster.replay)).toBe('F/FFFFFFE0')
    const token = await write(router, 'a', 1)
    expect(token).toBe('10/20')
    expect(formatLsn(cluster.replay) > token).toBe(true) // what a text comparison would conclude
    const read = await router.read((db) => readVersion(db, 'a'), { token })
    expect(read.route).toEqual({ target: 'primary', reason: 'lagging' })
    expect(read.result).toBe(1)
  })

  test('waits for the replica to replay the token, sharing one poll loop between waiters', async () => {
    const { cluster, router } = setup({ maxWaitMs: 60_000 })
    const token = await write(router, 'a', 1)
    const reads = Array.from({ length: 50 }, () =>
      router.read((db) => readVersion(db, 'a'), { token }),
    )
    // The replica catches up once the reads are waiting on the poll loop (it has probed twice).
    await vi.waitFor(() => expect(cluster.probes).toBeGreaterThanOrEqual(2), { timeout: 30_000 })
    cluster.advance()
    const results = await Promise.all(reads)
    expect(results.every((read) => read.result === 1 && read.route.target === 'replica')).toBe(true)
    expect(router.stats().replicaReadsAfterWait).toBe(50)
    // One probe per poll tick (at most one per millisecond waited), not one per waiting read.
    expect(cluster.probes).toBeLessThan(50)
  })

  test('falls back to the primary once maxWaitMs passes', async () => {
    const { router } = setup({ maxWaitMs: 20 })
    const token = await write(router, 'a', 7)
    const read = await router.read((db) => readVersion(db, 'a'), { token })
    expect(read).toMatchObject({ result: 7, route: { target: 'primary', reason: 'lagging' } })
    expect(read.lsn).toBeUndefined()
  })

  test('reads the primary while the replica is down, and stops probing it for replicaRetryAfterMs', async () => {
    const { cluster, router } = setup({ replicaRetryAfterMs: 60_000 })
    cluster.replicaDown = true
    const first = await router.read(() => Promise.resolve('x'))
    const probes = cluster.statements.length
    const second = await router.read(() => Promise.resolve('y'))
    expect(first.route).toEqual({ target: 'primary', reason: 'replica-unavailable' })
    expect(second.route).toEqual({ target: 'primary', reason: 'replica-unavailable' })
    expect(cluster.statements.length).toBe(probes)
  })

  test('reads the primary when the "replica" is not in recovery (replay LSN is NULL)', async () => {
    const { cluster, router } = setup()
    cluster.notStandby = true
    const read = await router.read(() => Promise.resolve(1))
    expect(read.route).toEqual({ target: 'primary', reason: 'not-standby' })
  })

  test('bad options fail at construction with E_CACHE_INVALID_OPTION', () => {
    const cluster = new FakeCluster()
    const base = { primary: cluster.primary, replica: cluster.replica }
    const bad: unknown[] = [
      { ...base, maxWaitMs: -1 },
      { ...base, maxWaitMs: 1.5 },
      { ...base, pollMinMs: 0 },
      { ...base, pollMinMs: 10, pollMaxMs: 5 },
      { ...base, replica: {} },
      { primary: undefined, replica: cluster.replica },
    ]
    for (const options of bad) {
      expect(codeOf(() => createReplicaRouter(options as ReplicaRouterOptions))).toBe(
        'E_CACHE_INVALID_OPTION',
      )
    }
  })
})

describe('ReplicaRouter.write()', () => {
  test('commits in one transaction and returns a token at or past the commit', async () => {
    const { cluster, router } = setup()
    const { result, token } = await router.write(async (tx) => {
      await tx.query('UPDATE items SET version = $2 WHERE id = $1', ['a', 3])
      return 'done'
    })
    expect(result).toBe('done')
    expect(parseLsn(token)).toBeGreaterThanOrEqual(cluster.wal.at(-1)?.end ?? 0n)
    expect(cluster.statements.filter((statement) => statement.startsWith('session:'))).toEqual([
      'session: BEGIN',
      'session: UPDATE items SET version = $2 WHERE id = $1',
      'session: COMMIT',
      'session: SELECT pg_current_wal_insert_lsn()::text AS lsn',
    ])
    expect(cluster.sessions[0]?.released).toBe(false)
  })

  test('rolls back and rethrows the caller error unchanged; nothing is committed', async () => {
    const { cluster, router } = setup()
    const mine = new Error('out of stock')
    await expect(
      router.write(async (tx) => {
        await tx.query('UPDATE items SET version = $2 WHERE id = $1', ['a', 3])
        throw mine
      }),
    ).rejects.toBe(mine)
    expect(cluster.primaryRows.has('a')).toBe(false)
    expect(cluster.statements.at(-1)).toBe('session: ROLLBACK')
    expect(cluster.sessions[0]?.released).toBe(false)
  })

  test('a failed COMMIT is E_CACHE_SOURCE_FAILED (outcome unknown, not retryable) and the connection is destroyed', async () => {
    const { cluster, router } = setup()
    cluster.failCommit = true
    const error: unknown = await write(router, 'a', 1).catch((thrown: unknown) => thrown)
    expect(isCacheKitError(error) && error.code).toBe('E_CACHE_SOURCE_FAILED')
    expect(isCacheKitError(error) && error.retryable).toBe(false)
    expect(cluster.sessions[0]?.released).toBe(true)
  })

  test('a COMMIT the server turned into ROLLBACK is reported, never given a token', async () => {
    const session = {
      query: ((text: string) =>
        Promise.resolve({
          rows: [],
          rowCount: 0,
          command: text === 'COMMIT' ? 'ROLLBACK' : text,
        })) as SqlClient['query'],
      release: () => {},
    }
    const primary = { query: session.query, connect: () => Promise.resolve(session) }
    const router = createReplicaRouter({ primary, replica: new FakeCluster().replica })
    await expect(router.write(() => Promise.resolve(1))).rejects.toMatchObject({
      code: 'E_CACHE_SOURCE_FAILED',
    })
  })
})

describe('ReplicaRouter.loader() with the cache fence', () => {
  function lagged() {
    const { cluster, router } = setup({ maxWaitMs: 0 })
    const store = createMemoryCacheStore()
    const cache = createCache({ store, l1: {} })
    return { cluster, router, cache }
  }

  test('a malformed token throws E_CACHE_INVALID_LSN before the cache is touched', () => {
    const { router } = lagged()
    expect(codeOf(() => router.loader(() => 1, { token: '0/XYZ' }))).toBe('E_CACHE_INVALID_LSN')
  })

  test('routes by the key invalidation LSN even without a token, so a lagging replica is not refilled', async () => {
    const { cluster, router, cache } = lagged()
    await write(router, 'k', 1)
    cluster.advance()
    const load = router.loader((db, ctx) => readVersion(db, ctx.key))
    expect(await cache.getOrLoad('k', load)).toBe(1)
    const token = await write(router, 'k', 2) // the replica stays at v1
    await cache.invalidate('k', { lsn: token })
    expect(await cache.getOrLoad('k', load)).toBe(2)
    expect(router.stats().primaryReads.lagging).toBe(1)
    expect(await cache.getOrLoad('k', () => 'not cached')).toBe(2)
  })

  test('the fence refuses a replica fill behind the invalidation LSN; without the reported LSN it sticks', async () => {
    const { cluster, router, cache } = lagged()
    await write(router, 'k', 1)
    cluster.advance()
    const token = await write(router, 'k', 2)
    await cache.invalidate('k', { lsn: token })
    // A loader that ignores the watermark but reports the replica's replay LSN: the fill is refused
    // each time and the read fails rather than caching v1.
    const rejected: string[] = []
    cache.on('cache:fill-rejected', (event) => rejected.push(event.reason))
    const reportsOnly = async (ctx: LoaderContext) => {
      ctx.report({ lsn: formatLsn(cluster.replay) })
      return readVersion(cluster.replica, ctx.key)
    }
    await expect(cache.getOrLoad('k', reportsOnly)).rejects.toMatchObject({
      code: 'E_CACHE_STALE_LOAD',
    })
    expect(rejected).toContain('lsn-behind')
    expect(await cache.getOrLoad('k', () => 'not cached')).toBe('not cached')

    // The naive variant of the same loader (no reported LSN) caches v1 over the invalidation.
    const naive = createCache({ store: createMemoryCacheStore() })
    await naive.invalidate('k', { lsn: token })
    expect(await naive.getOrLoad('k', (ctx) => readVersion(cluster.replica, ctx.key))).toBe(1)
    expect(await naive.getOrLoad('k', () => 'not cached')).toBe(1)
  })

  test('a reload after a refused fill reads the primary; version reports merge with the replica LSN', async () => {
    const { cluster, router } = lagged()
    await write(router, 'k', 1)
    cluster.advance()
    const reported: unknown[] = []
    const ctx = (attempt: number): LoaderContext => ({
      key: 'k',
      signal: new AbortController().signal,
      watermark: {},
      attempt,
      report: (source) => reported.push(source),
    })
    const load = router.loader(async (db, context) => {
      const version = await readVersion(db, context.key)
      context.report({ version })
      return version
    })
    await load(ctx(0))
    expect(reported.at(-1)).toEqual({ lsn: formatLsn(cluster.replay), version: 1 })
    await load(ctx(1))
    expect(reported.at(-1)).toEqual({ version: 1 })
    expect(router.stats().primaryReads['fence-retry']).toBe(1)
  })
})
