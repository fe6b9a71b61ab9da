/**
 * The cache benchmark: cache-kit, BentoCache, cache-manager and raw ioredis side by side on one
 * loopback Redis started through @faultline/infra. `--quick` (or BENCH_QUICK=1) is a smoke run
 * that writes nothing; a full run writes docs/benchmarks/cache.md.
 *
 *   node --conditions=@faultline/source --import tsx bench/cache/run.ts [--quick]
 */
import { writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { startRedis } from '@faultline/infra'
import { settings, type BenchContext } from './context.js'
import { notes } from './harness.js'
import { hotKeyHerd, type HerdResult } from './herd.js'
import { costs, fill, invalidate, l1Hit, l2Hit } from './micro.js'
import { redisPause, type PauseResult } from './pause.js'
import { staleSetRace } from './race.js'
import { renderReport, type Results } from './report.js'
import { steady, type SteadyResult } from './steady.js'
import { SYSTEMS, type SystemName } from './systems.js'

const quick = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1'
const log = (line: string) => console.log(`[bench/cache] ${line}`)

async function main(): Promise<void> {
  const started = Date.now()
  const loadBefore = loadavg()
  const redis = await startRedis({ log })
  const admin = new Redis(redis.url)
  const redisVersion = /redis_version:(\S+)/.exec(await admin.info('server'))?.[1] ?? 'unknown'
  admin.disconnect()
  const ctx: BenchContext = {
    quick,
    redisUrl: redis.url,
    pauseRedis: () => redis.pause(),
    resumeRedis: () => redis.resume(),
    ...settings(quick),
  }
  try {
    const results = await runAll(ctx)
    const all = {
      ...results,
      redisVersion,
      quick,
      seconds: (Date.now() - started) / 1000,
      load: { before: loadBefore, after: loadavg() },
    }
    const report = renderReport(all)
    if (quick) {
      console.log(report)
      log('quick run: docs/benchmarks/cache.md not written')
    } else {
      const out = fileURLToPath(new URL('../../docs/benchmarks/cache.md', import.meta.url))
      writeFileSync(out, report)
      log(`wrote ${out}`)
      // The raw numbers too, so the report can be re-rendered (bench/cache/render.ts) without a rerun.
      const json = fileURLToPath(new URL('./last-results.json', import.meta.url))
      writeFileSync(json, `${JSON.stringify({ ...all, costs, notes }, null, 1)}\n`)
      log(`wrote ${json}`)
    }
  } finally {
    await redis.stop()
  }
}

async function runAll(
  ctx: BenchContext,
): Promise<Omit<Results, 'redisVersion' | 'quick' | 'seconds' | 'load'>> {
  const peers = SYSTEMS.filter((s) => s !== 'ioredis')
  const rounds = ctx.quick ? 1 : 3
  // Micro cells run in interleaved rounds and report the median, so a burst of load from
  // other work on the machine does not land on one system only.
  const l1 = await medians(rounds, peers, (s) => l1Hit(ctx, s), 'micro L1 hit')
  // raw GET right after cache-kit, so each round's ratio compares adjacent cells.
  const l2Systems = ['cache-kit', 'raw GET', 'bentocache', 'cache-manager'] as const
  // L2-hit cells decide a ratio target, and single cells swing up to 3x on this shared machine:
  // more, shorter interleaved rounds, and every round's samples kept so the report can also
  // give the median of per-round ratios (each from adjacent cells, so load drift cancels).
  const l2Rounds = ctx.quick ? 1 : 7
  const l2Ctx = { ...ctx, micro: { ...ctx.micro, durationMs: ctx.quick ? 500 : 1_500 } }
  const l2Samples = { c1: {}, cN: {} }
  const l2c1 = await medians(
    l2Rounds,
    l2Systems,
    (s) => l2Hit(l2Ctx, s, 1),
    'micro L2 hit c=1',
    l2Samples.c1,
  )
  const l2cN = await medians(
    l2Rounds,
    l2Systems,
    (s) => l2Hit(l2Ctx, s, ctx.micro.concurrency),
    `micro L2 hit c=${ctx.micro.concurrency}`,
    l2Samples.cN,
  )
  const fills = await medians(rounds, SYSTEMS, (s) => fill(ctx, s), 'micro fill')
  const invalidations = await medians(
    rounds,
    SYSTEMS,
    (s) => invalidate(ctx, s),
    'micro invalidate',
  )
  const steadyRows: SteadyResult[] = []
  for (const s of SYSTEMS) push(steadyRows, await step(`steady ${s}`, () => steady(ctx, s)))
  const races: Partial<Record<SystemName, { races: number; stale: number }>> = {}
  for (const s of SYSTEMS) races[s] = await step(`stale-set race ${s}`, () => staleSetRace(ctx, s))
  const herds: HerdResult[] = []
  for (const s of peers) push(herds, await step(`herd ${s}`, () => hotKeyHerd(ctx, s)))
  const pauses: PauseResult[] = []
  for (const s of SYSTEMS) push(pauses, await step(`redis pause ${s}`, () => redisPause(ctx, s)))
  return {
    ctx,
    l1,
    l2c1,
    l2cN,
    l2Samples,
    fills,
    invalidations,
    steady: steadyRows,
    races,
    herds,
    pauses,
  }
}

function push<T>(rows: T[], row: T | undefined): void {
  if (row !== undefined) rows.push(row)
}

async function medians<S extends string>(
  rounds: number,
  systems: readonly S[],
  measure: (system: S) => Promise<number>,
  name: string,
  keep?: Partial<Record<string, number[]>>,
): Promise<Partial<Record<S, number>>> {
  const samples = new Map<S, number[]>()
  for (let r = 0; r < rounds; r += 1) {
    for (const s of systems) {
      const value = await step(`${name} ${s} (round ${r + 1})`, () => measure(s))
      if (value !== undefined) samples.set(s, [...(samples.get(s) ?? []), value])
    }
  }
  const out: Partial<Record<S, number>> = {}
  for (const [s, values] of samples) {
    if (keep !== undefined) keep[s] = values
    const sorted = [...values].sort((a, b) => a - b)
    out[s] = sorted[Math.floor(sorted.length / 2)]
  }
  return out
}

/** Runs one cell; a failure is logged and recorded in the report's notes, and the run goes on. */
async function step<T>(name: string, fn: () => Promise<T>): Promise<T | undefined> {
  const t0 = Date.now()
  try {
    const result = await fn()
    log(`${name}: ${JSON.stringify(result)} (${((Date.now() - t0) / 1000).toFixed(1)} s)`)
    return result
  } catch (error) {
    log(`${name}: FAILED ${String(error)}`)
    notes.push(`${name} failed: ${String(error)}`)
    return undefined
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
