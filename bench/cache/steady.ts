import { closedLoop, FakeDb, histogram, percentiles, rng, zipf } from './harness.js'
import { createSystem, type SystemName } from './systems.js'
import type { BenchContext } from './context.js'

/** One system's steady read-through result. */
export interface SteadyResult {
  readonly system: SystemName
  readonly opsPerSec: number
  readonly readOpsPerSec: number
  readonly p50: number
  readonly p99: number
  readonly p999: number
  readonly hitRatio: number
  readonly errors: number
  readonly details?: Record<string, number | string | boolean>
}

/**
 * Zipf-distributed keys, 95% reads through the system's read-through call and 5% writes (a
 * version bump in the fake database followed by the system's invalidation), closed loop.
 */
export async function steady(ctx: BenchContext, system: SystemName): Promise<SteadyResult> {
  const { keys, concurrency, durationMs, warmupMs, l1Size, ttlMs, dbLatencyMs } = ctx.steady
  const db = new FakeDb(dbLatencyMs)
  const sut = await createSystem(system, {
    redisUrl: ctx.redisUrl,
    prefix: `steady:${system}:`,
    l1Size,
    ttlMs,
  })
  const random = rng(42)
  const pick = zipf(keys, 0.99, random)
  let reads = 0
  let readLoads = 0
  const op = async () => {
    const key = `p${pick()}`
    if (random() < 0.05) {
      db.write(key)
      await sut.invalidate(key)
      return
    }
    reads += 1
    await sut.get(key, async () => {
      readLoads += 1
      return db.load(key)
    })
  }
  await closedLoop(concurrency, warmupMs, op)
  reads = 0
  readLoads = 0
  const hist = histogram()
  const run = await closedLoop(concurrency, durationMs, op, hist)
  const details = sut.details?.()
  await sut.close()
  const p = percentiles(hist)
  return {
    system,
    opsPerSec: run.opsPerSec,
    readOpsPerSec: Math.round((reads / run.elapsedMs) * 1000),
    p50: p.p50,
    p99: p.p99,
    p999: p.p999,
    hitRatio: reads === 0 ? 0 : 1 - readLoads / reads,
    errors: run.errors,
    ...(details && { details }),
  }
}
