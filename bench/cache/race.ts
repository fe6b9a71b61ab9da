import { deferred, FakeDb } from './harness.js'
import type { BenchContext } from './context.js'
import { createSystem, type SystemName } from './systems.js'

/**
 * The stale-set race, forced: a reader misses and loads v1, then blocks; a writer commits v2 and
 * invalidates through the system; then the reader's fill lands. Counts keys that still serve v1.
 */
export async function staleSetRace(
  ctx: BenchContext,
  system: SystemName,
): Promise<{ races: number; stale: number }> {
  const db = new FakeDb(0)
  const sut = await createSystem(system, {
    redisUrl: ctx.redisUrl,
    prefix: `race:${system}:`,
    l1Size: 1_000,
    ttlMs: 60_000,
  })
  let stale = 0
  for (let r = 0; r < ctx.race.races; r += 1) {
    const key = `k${r}`
    const loaded = deferred()
    const gate = deferred()
    const reader = sut
      .get(key, async () => {
        const row = db.row(key)
        loaded.resolve()
        await gate.promise
        return row
      })
      .catch(() => undefined)
    await loaded.promise
    db.write(key)
    await sut.invalidate(key)
    gate.resolve()
    await reader
    const after = await sut.get(key, () => db.load(key))
    if (after !== undefined && after.version < db.version(key)) stale += 1
  }
  await sut.close()
  return { races: ctx.race.races, stale }
}
