import { Redis } from 'ioredis'
import { closedLoop, FakeDb, notes, uniquePrefix } from './harness.js'
import type { BenchContext } from './context.js'
import { createSystem, rawGet, type SystemName } from './systems.js'

/** Redis-side cost per L2-hit cell, for the report (what bounds the L2-hit ratio). */
export const costs: string[] = []

/** Redis-side cost: `INFO commandstats` usec_per_call of each command run since the reset. */
async function redisCost(redisUrl: string, reset: boolean): Promise<string> {
  const admin = new Redis(redisUrl)
  try {
    if (reset) {
      await admin.config('RESETSTAT')
      return ''
    }
    const info = await admin.info('commandstats')
    return [...info.matchAll(/cmdstat_(\w+):calls=(\d+),usec=\d+,usec_per_call=([\d.]+)/g)]
      .filter((m) => Number(m[2]) > 1_000)
      .map((m) => `${m[1]} ${m[3]} µs/call (${m[2]} calls)`)
      .join(', ')
  } finally {
    admin.disconnect()
  }
}

/** ops/s of one micro operation per system. */
export type MicroRow = Partial<Record<SystemName | 'raw GET', number>>

const TTL = 60_000

/** L1 hits: 100 warm keys read back-to-back from one caller (ioredis has no L1). */
export async function l1Hit(ctx: BenchContext, system: SystemName): Promise<number> {
  const db = new FakeDb(0)
  const sut = await createSystem(system, {
    redisUrl: ctx.redisUrl,
    prefix: uniquePrefix(`l1:${system}`),
    l1Size: 1_000,
    ttlMs: TTL,
  })
  for (let i = 0; i < 100; i += 1) await sut.get(`k${i}`, () => db.load(`k${i}`))
  let i = 0
  const run = await closedLoop(1, ctx.micro.durationMs, () =>
    sut.get(`k${i++ % 100}`, () => db.load('x')),
  )
  await sut.close()
  return run.opsPerSec
}

/**
 * L2 hits: L1 disabled, 1,000 keys already in Redis, uniform reads at `concurrency`. The raw row
 * is ioredis GET + JSON.parse of the same payload size, the limit for any Redis-backed cache.
 */
export async function l2Hit(
  ctx: BenchContext,
  system: SystemName | 'raw GET',
  concurrency: number,
): Promise<number> {
  const db = new FakeDb(0)
  const n = 1_000
  if (system === 'raw GET') {
    const prefix = uniquePrefix('l2raw')
    const seed = await createSystem('ioredis', {
      redisUrl: ctx.redisUrl,
      prefix,
      l1Size: 0,
      ttlMs: TTL,
    })
    for (let i = 0; i < n; i += 1) await seed.get(`k${i}`, () => db.load(`k${i}`))
    await seed.close()
    const raw = rawGet(ctx.redisUrl)
    await redisCost(ctx.redisUrl, true)
    let i = 0
    const run = await closedLoop(concurrency, ctx.micro.durationMs, () =>
      raw.get(`${prefix}k${i++ % n}`),
    )
    await raw.close()
    costs.push(`c=${concurrency} raw GET: ${await redisCost(ctx.redisUrl, false)}`)
    return run.opsPerSec
  }
  const sut = await createSystem(system, {
    redisUrl: ctx.redisUrl,
    prefix: uniquePrefix(`l2:${system}`),
    l1Size: 0,
    ttlMs: TTL,
  })
  for (let i = 0; i < n; i += 1) await sut.get(`k${i}`, () => db.load(`k${i}`))
  const loadsBefore = db.loads
  await redisCost(ctx.redisUrl, true)
  let i = 0
  const run = await closedLoop(concurrency, ctx.micro.durationMs, () =>
    sut.get(`k${i++ % n}`, () => db.load('miss')),
  )
  const details = sut.details?.()
  costs.push(`c=${concurrency} ${system}: ${await redisCost(ctx.redisUrl, false)}`)
  await sut.close()
  const loads = db.loads - loadsBefore
  if (loads > 0) {
    notes.push(
      `L2 hit c=${concurrency}, ${system}: ${loads} of ${run.ops} reads did not hit L2 and ran the loader` +
        ` (${JSON.stringify(details ?? {})}).`,
    )
  }
  return run.opsPerSec
}

/** Fills: a miss on a new key with an instant loader (cache-kit: fenced read + fenced fill). */
export async function fill(ctx: BenchContext, system: SystemName): Promise<number> {
  const db = new FakeDb(0)
  const sut = await createSystem(system, {
    redisUrl: ctx.redisUrl,
    prefix: uniquePrefix(`fill:${system}`),
    l1Size: 1_000,
    ttlMs: TTL,
  })
  let i = 0
  const run = await closedLoop(1, ctx.micro.durationMs, () => {
    const key = `k${i++}`
    return sut.get(key, () => db.load(key))
  })
  await sut.close()
  return run.opsPerSec
}

/** Invalidations of cached keys (cache-kit: a tombstone with a watermark plus a bus message). */
export async function invalidate(ctx: BenchContext, system: SystemName): Promise<number> {
  const db = new FakeDb(0)
  const sut = await createSystem(system, {
    redisUrl: ctx.redisUrl,
    prefix: uniquePrefix(`inv:${system}`),
    l1Size: 1_000,
    ttlMs: TTL,
  })
  for (let i = 0; i < 1_000; i += 1) await sut.get(`k${i}`, () => db.load(`k${i}`))
  let i = 0
  const run = await closedLoop(1, ctx.micro.durationMs, () => sut.invalidate(`k${i++ % 1_000}`))
  await sut.close()
  return run.opsPerSec
}
