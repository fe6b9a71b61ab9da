import { closedLoop, FakeDb, histogram, percentiles, rng, sleep, zipf } from './harness.js'
import type { BenchContext } from './context.js'
import { createSystem, type SystemName } from './systems.js'

/** One system's behaviour while Redis is paused (SIGSTOP). */
export interface PauseResult {
  readonly system: SystemName
  readonly outageOps: number
  readonly outageErrors: number
  readonly outageP99: number
  readonly outageMax: number
  readonly afterErrors: number
}

/**
 * Warm the system, then read (Zipf, 1 ms loader) while Redis is paused for `pauseMs` and after
 * it resumes. Every op has a deadline of `pauseMs + 3 s`, so a call that hangs on the paused
 * server ends as an error instead of stalling the run.
 */
export async function redisPause(ctx: BenchContext, system: SystemName): Promise<PauseResult> {
  const { pauseMs, concurrency, keys } = ctx.pause
  const db = new FakeDb(1)
  const sut = await createSystem(system, {
    redisUrl: ctx.redisUrl,
    prefix: `pause:${system}:`,
    l1Size: 1_000,
    ttlMs: 60_000,
    failSafe: { graceMs: 300_000, storeTimeoutMs: 200 },
  })
  const pick = zipf(keys, 0.99, rng(7))
  const deadline = pauseMs + 3_000
  const op = () => {
    const key = `p${pick()}`
    let timer: NodeJS.Timeout | undefined
    const stuck = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('deadline')), deadline)
    })
    return Promise.race([sut.get(key, () => db.load(key)), stuck]).finally(() =>
      clearTimeout(timer),
    )
  }
  for (let i = 0; i < keys; i += 1) await op() // every key in L2, the hottest 1,000 in L1
  const hist = histogram()
  const pausing = (async () => {
    await ctx.pauseRedis()
    await sleep(pauseMs)
    await ctx.resumeRedis()
  })()
  const outage = await closedLoop(concurrency, pauseMs, op, hist)
  await pausing
  const after = await closedLoop(concurrency, 2_000, op)
  await sut.close().catch(() => undefined)
  const p = percentiles(hist)
  return {
    system,
    outageOps: outage.ops,
    outageErrors: outage.errors,
    outageP99: p.p99,
    outageMax: p.max,
    afterErrors: after.errors,
  }
}
