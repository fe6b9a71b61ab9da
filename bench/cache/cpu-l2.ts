/**
 * Client CPU per L2 hit, cache-kit against raw GET: the CPU the Node process spends per operation
 * (process.cpuUsage over a fixed number of hits at concurrency 32), which wall-clock ops/s on a
 * shared machine hides. Writes nothing.
 *
 *   node --conditions=@faultline/source --import tsx bench/cache/cpu-l2.ts
 */
import { startRedis } from '@faultline/infra'
import { FakeDb, uniquePrefix } from './harness.js'
import { createSystem, rawGet } from './systems.js'

const N = 1_000
const OPS = 40_000
const C = 32

async function loop(get: (key: string) => Promise<unknown>): Promise<number> {
  let i = 0
  const worker = async (): Promise<void> => {
    while (i < OPS) await get(`k${i++ % N}`)
  }
  const before = process.cpuUsage()
  await Promise.all(Array.from({ length: C }, worker))
  const used = process.cpuUsage(before)
  return (used.user + used.system) / OPS
}

async function main(): Promise<void> {
  const redis = await startRedis()
  const db = new FakeDb(0)
  try {
    for (let round = 0; round < 3; round += 1) {
      const prefix = uniquePrefix('cpu')
      const kit = await createSystem('cache-kit', {
        redisUrl: redis.url,
        prefix,
        l1Size: 0,
        ttlMs: 60_000,
      })
      const seed = await createSystem('ioredis', {
        redisUrl: redis.url,
        prefix: `${prefix}raw:`,
        l1Size: 0,
        ttlMs: 60_000,
      })
      for (let k = 0; k < N; k += 1) {
        await kit.get(`k${k}`, () => db.load(`k${k}`))
        await seed.get(`k${k}`, () => db.load(`k${k}`))
      }
      await seed.close()
      const raw = rawGet(redis.url)
      const kitUs = await loop((key) => kit.get(key, () => db.load('miss')))
      const rawUs = await loop((key) => raw.get(`${prefix}raw:${key}`))
      console.log(
        `round ${round + 1}: client CPU per hit, cache-kit ${kitUs.toFixed(1)} µs, raw GET ${rawUs.toFixed(1)} µs`,
      )
      await kit.close()
      await raw.close()
    }
  } finally {
    await redis.stop()
  }
}

await main()
