import { execFileSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { Redis } from 'ioredis'
import { startRedis, type RedisHandle } from '@faultline/infra'
import { createCache, type CacheOptions } from '@faultline/cache-kit'
import { createRedisStore } from '@faultline/cache-kit/redis'
import { deferred, type Row } from './fixtures/race.js'

const KEYS = Array.from({ length: 10 }, (_, index) => `k${index}`)
const HARD_TIMEOUT_MS = 1_000
const TOMBSTONE_TTL_MS = 2_100

let redis: RedisHandle
let admin: Redis
beforeAll(async () => {
  redis = await startRedis()
  admin = new Redis(redis.url)
  admin.on('error', () => {})
})
afterAll(async () => {
  admin?.disconnect()
  await redis?.resume().catch(() => undefined)
  await redis?.stop()
})

function node(prefix: string, options: Partial<CacheOptions> = {}) {
  const store = createRedisStore({ url: redis.url, prefix })
  const cache = createCache({ store, l1: {}, ...options })
  return { store, cache, close: async () => (await cache.close(), await store.close()) }
}

/** Resolves once `client` answers again (after a restart), bounded. */
async function untilAnswers(client: Redis): Promise<void> {
  const deadline = performance.now() + 120_000
  for (;;) {
    try {
      await client.ping()
      return
    } catch (error) {
      if (performance.now() > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
}

/**
 * Starts one read per key whose loader reads v1 and then waits for `gate`. Resolves once every
 * loader has read (so every ticket predates what the test does next); `returned` settles with
 * what each read returned.
 */
async function readersHoldingV1(
  cache: ReturnType<typeof node>['cache'],
  db: Map<string, Row>,
  gate: Promise<void>,
  afterGate: () => void = () => {},
) {
  const read = KEYS.map(() => deferred())
  const settled = KEYS.map((key, index) =>
    cache
      .getOrLoad(key, async () => {
        const row = { ...db.get(key)! }
        read[index]!.resolve()
        await gate
        afterGate()
        return row
      })
      .then(
        (row) => `v${row?.version}`,
        (error: unknown) => (error as { code?: string }).code ?? String(error),
      ),
  )
  await Promise.all(read.map((done) => done.promise))
  return { returned: Promise.all(settled) }
}

/** The writer: v2 in the database, then an acknowledged applyChange for every key. */
async function writeV2(cache: ReturnType<typeof node>['cache'], db: Map<string, Row>) {
  for (const key of KEYS) {
    db.set(key, { id: key, version: 2 })
    expect((await cache.applyChange({ key, version: 2 })).applied).toBe(true)
  }
}

/** Keys a node without L1 reads back as v1 (served from L2), and keys the filling node serves as v1. */
async function countStale(prefix: string, filler: ReturnType<typeof node>, db: Map<string, Row>) {
  const viewStore = createRedisStore({ url: redis.url, prefix })
  const view = createCache({ store: viewStore })
  let l2 = 0
  let l1 = 0
  for (const key of KEYS) {
    const load = () => ({ ...db.get(key)! })
    if ((await view.getOrLoad(key, load))?.version !== 2) l2 += 1
    if ((await filler.cache.getOrLoad(key, load))?.version !== 2) l1 += 1
  }
  await view.close()
  await viewStore.close()
  return { l2, l1 }
}

function seed(): Map<string, Row> {
  return new Map(KEYS.map((key) => [key, { id: key, version: 1 }]))
}

/** Blocks the event loop (a synchronous stall) until none of `keys` exists in Redis any more. */
function stallUntilGone(keys: readonly string[]): void {
  const sleeper = new Int32Array(new SharedArrayBuffer(4))
  const args = ['-h', redis.host, '-p', String(redis.port), 'EXISTS', ...keys]
  while (execFileSync('redis-cli', args).toString().trim() !== '0') Atomics.wait(sleeper, 0, 0, 50)
}

describe('C1 when a tombstone is lost before a fill lands', () => {
  test('a fill whose ticket predates a Redis restart never lands (10 keys read v1, then applyChange v2, then restart)', async () => {
    const prefix = 'restart:'
    // Generous store timeout: on a busy machine a Redis call can outlast the default, and an
    // open breaker would fail the acknowledged writes this test is about.
    const filler = node(prefix, { hardTimeoutMs: 30_000, storeTimeoutMs: 60_000 })
    const db = seed()
    const gate = deferred()
    const { returned: results } = await readersHoldingV1(filler.cache, db, gate.promise)
    await writeV2(filler.cache, db)
    await redis.restart()
    await untilAnswers(filler.store.client)
    // The restart lost the data: no tombstone and no watermark is left.
    expect(await admin.exists(KEYS.map((key) => `${prefix}m:${key}`))).toBe(0)
    gate.resolve()
    const returned = await results
    const stale = await countStale(prefix, filler, db)
    console.log(
      `restart with ${KEYS.length} fills in flight: readers returned ${returned.join(',')}; ` +
        `stale afterwards: L2 ${stale.l2}/${KEYS.length}, filling node ${stale.l1}/${KEYS.length}`,
    )
    expect(stale).toStrictEqual({ l2: 0, l1: 0 })
    await filler.close()
  }, 60_000)

  test('a loader that stalls the event loop past the tombstone TTL does not fill (10 keys)', async () => {
    const prefix = 'stall:'
    const filler = node(prefix, {
      hardTimeoutMs: HARD_TIMEOUT_MS,
      tombstoneTtlMs: TOMBSTONE_TTL_MS,
    })
    const db = seed()
    const gate = deferred()
    let stalledMs = 0
    const stall = () => {
      if (stalledMs > 0) return
      const started = performance.now()
      stallUntilGone(KEYS.map((key) => `${prefix}m:${key}`))
      stalledMs = performance.now() - started
    }
    const { returned: results } = await readersHoldingV1(filler.cache, db, gate.promise, stall)
    await writeV2(filler.cache, db)
    gate.resolve()
    const returned = await results
    const stale = await countStale(prefix, filler, db)
    console.log(
      `loader stall of ${stalledMs.toFixed(0)} ms (hardTimeoutMs ${HARD_TIMEOUT_MS}, tombstoneTtlMs ${TOMBSTONE_TTL_MS}): ` +
        `readers returned ${returned.join(',')}; stale afterwards: L2 ${stale.l2}/${KEYS.length}, filling node ${stale.l1}/${KEYS.length}`,
    )
    expect(stalledMs).toBeGreaterThan(HARD_TIMEOUT_MS)
    expect(stale).toStrictEqual({ l2: 0, l1: 0 })
    await filler.close()
  }, 60_000)

  test('a fill queued while Redis is paused past the tombstone TTL is refused when Redis resumes (10 keys)', async () => {
    const prefix = 'pause:'
    const filler = node(prefix, {
      hardTimeoutMs: HARD_TIMEOUT_MS,
      tombstoneTtlMs: TOMBSTONE_TTL_MS,
      storeTimeoutMs: 200,
    })
    const db = seed()
    const gate = deferred()
    const { returned: results } = await readersHoldingV1(filler.cache, db, gate.promise)
    await writeV2(filler.cache, db)
    const lastTombstoneAt = performance.now()
    await redis.pause()
    // The loaders return v1 now; their fills are written to the paused server, and the store guard
    // gives up on them after storeTimeoutMs. The commands stay queued on the connection.
    gate.resolve()
    const returned = await results
    // Redis's clock runs on while it is paused. A lower bound: a slow machine only lengthens it.
    while (performance.now() - lastTombstoneAt < TOMBSTONE_TTL_MS + 200)
      await new Promise((resolve) => setTimeout(resolve, 50))
    await redis.resume()
    await filler.store.client.ping() // answered after every queued fill ran
    const stale = await countStale(prefix, filler, db)
    console.log(
      `redis paused past tombstoneTtlMs ${TOMBSTONE_TTL_MS} with ${KEYS.length} fills queued: readers returned ` +
        `${returned.join(',')}; stale afterwards: L2 ${stale.l2}/${KEYS.length}, filling node ${stale.l1}/${KEYS.length}`,
    )
    expect(stale).toStrictEqual({ l2: 0, l1: 0 })
    await filler.close()
  }, 60_000)
})
