/**
 * The L2-hit micro cell alone (cache-kit against raw GET, interleaved), for profiling the hit path
 * with `node --cpu-prof`. Writes nothing; prints ops/s and ratios.
 *
 *   node --conditions=@faultline/source --import tsx bench/cache/profile-l2.ts [rounds] [seconds]
 */
import { startRedis } from '@faultline/infra'
import { settings, type BenchContext } from './context.js'
import { l2Hit } from './micro.js'

const rounds = Number(process.argv[2] ?? 2)
const seconds = Number(process.argv[3] ?? 3)
// `kit` runs only cache-kit at the high concurrency, so a CPU profile shows its hit path alone.
const only = process.argv[4]

async function main(): Promise<void> {
  const redis = await startRedis()
  const base = settings(false)
  const ctx: BenchContext = {
    quick: false,
    redisUrl: redis.url,
    pauseRedis: () => redis.pause(),
    resumeRedis: () => redis.resume(),
    ...base,
    micro: { ...base.micro, durationMs: seconds * 1_000 },
  }
  try {
    for (let r = 0; r < rounds; r += 1) {
      for (const c of [1, ctx.micro.concurrency]) {
        if (only === 'kit') {
          if (c > 1)
            console.log(`c=${c}: cache-kit ${Math.round(await l2Hit(ctx, 'cache-kit', c))} ops/s`)
          continue
        }
        const kit = await l2Hit(ctx, 'cache-kit', c)
        const raw = await l2Hit(ctx, 'raw GET', c)
        console.log(
          `round ${r + 1} c=${c}: cache-kit ${Math.round(kit)} ops/s, raw GET ${Math.round(raw)} ops/s, ratio ${(kit / raw).toFixed(2)}x`,
        )
      }
    }
  } finally {
    await redis.stop()
  }
}

await main()
