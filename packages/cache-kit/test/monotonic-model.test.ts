import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { createCache, createMemoryCacheStore, type CacheStore } from '@faultline/cache-kit'

interface Row {
  readonly key: string
  readonly version: number
}

type Command =
  | { kind: 'read'; key: string; report: boolean }
  | { kind: 'write'; key: string; via: 'invalidate' | 'applyChange' | 'invalidate-versioned' }
  | { kind: 'replay'; key: string; back: number }

/** What the system under test must offer: cache-kit, or the naive cache-aside for contrast. */
interface System {
  getOrLoad(
    key: string,
    loader: (report: (version: number) => void) => Promise<Row>,
  ): Promise<Row | undefined>
  invalidate(key: string, version?: number): Promise<void>
  applyChange(key: string, version: number): Promise<void>
}

// Mostly one key, so reads, writes and replays collide often.
const keyArb = fc.constantFrom('a', 'a', 'a', 'b')
const commandArb: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant('read' as const), key: keyArb, report: fc.boolean() }),
  fc.record({
    kind: fc.constant('write' as const),
    key: keyArb,
    via: fc.constantFrom(
      'invalidate' as const,
      'applyChange' as const,
      'invalidate-versioned' as const,
    ),
  }),
  fc.record({
    kind: fc.constant('replay' as const),
    key: keyArb,
    back: fc.integer({ min: 0, max: 3 }),
  }),
)

function scheduledStore(s: fc.Scheduler): CacheStore {
  const inner = createMemoryCacheStore()
  const tick = (): Promise<void> => s.schedule(Promise.resolve())
  return {
    peek: async (k) => (await tick(), inner.peek(k)),
    read: async (k, o) => (await tick(), inner.read(k, o)),
    fill: async (t, e, o) => (await tick(), inner.fill(t, e, o)),
    invalidate: async (k, r) => (await tick(), inner.invalidate(k, r)),
    invalidateTags: (t, ttl) => inner.invalidateTags(t, ttl),
    releaseLease: (k, o) => inner.releaseLease(k, o),
    close: () => inner.close(),
  }
}

function cacheKit(s: fc.Scheduler): System {
  const cache = createCache({ store: scheduledStore(s), l1: {}, leasePollMs: 1 })
  return {
    getOrLoad: (key, loader) =>
      cache.getOrLoad(key, (ctx) => loader((version) => ctx.report({ version }))),
    invalidate: (key, version) => cache.invalidate(key, version === undefined ? {} : { version }),
    applyChange: async (key, version) => void (await cache.applyChange({ key, version })),
  }
}

/** Cache-aside as most libraries do it: get, load on miss, set unconditionally; invalidate = delete. */
function naive(s: fc.Scheduler): System {
  const map = new Map<string, Row>()
  const tick = (): Promise<void> => s.schedule(Promise.resolve())
  return {
    async getOrLoad(key, loader) {
      await tick()
      const hit = map.get(key)
      if (hit !== undefined) return hit
      const row = await loader(() => {})
      await tick()
      map.set(key, row)
      return row
    },
    invalidate: async (key) => (await tick(), void map.delete(key)),
    applyChange: async (key) => (await tick(), void map.delete(key)),
  }
}

/** Releases scheduled tasks until `work` settles; real timers (lease polls) get a turn in between. */
async function drain<T>(s: fc.Scheduler, work: Promise<T>): Promise<T> {
  let done = false
  const settled = work.finally(() => (done = true))
  for (let i = 0; i < 10_000 && !done; i += 1) {
    await s.waitAll()
    await new Promise((r) => setTimeout(r, 0))
  }
  if (!done) throw new Error('model run did not settle')
  return settled
}

/**
 * Runs the commands concurrently under the scheduler and checks the model: no read returns a
 * version older than the last invalidation acknowledged before the read began, and once all
 * is quiet every key reads back the database's version.
 */
async function run(
  s: fc.Scheduler,
  commands: Command[],
  make: (s: fc.Scheduler) => System,
): Promise<void> {
  const db = new Map<string, number>([
    ['a', 1],
    ['b', 1],
  ])
  const acked = new Map<string, number>([
    ['a', 0],
    ['b', 0],
  ])
  const sys = make(s)
  const violations: string[] = []
  const loader = (key: string, report: boolean) => async (rep: (v: number) => void) => {
    await s.schedule(Promise.resolve())
    const row = { key, version: db.get(key)! }
    if (report) rep(row.version)
    await s.schedule(Promise.resolve())
    await s.schedule(Promise.resolve())
    return row
  }
  const ack = (key: string, v: number): void => void acked.set(key, Math.max(acked.get(key)!, v))
  const step = async (c: Command): Promise<void> => {
    await s.schedule(Promise.resolve())
    if (c.kind === 'read') {
      const floor = acked.get(c.key)!
      const row = await sys.getOrLoad(c.key, loader(c.key, c.report))
      if ((row?.version ?? 0) < floor)
        violations.push(`read ${c.key} -> v${row?.version} after ack of v${floor}`)
    } else if (c.kind === 'write') {
      const v = db.get(c.key)! + 1
      db.set(c.key, v)
      if (c.via === 'applyChange') await sys.applyChange(c.key, v)
      else await sys.invalidate(c.key, c.via === 'invalidate-versioned' ? v : undefined)
      ack(c.key, v)
    } else {
      // A late duplicate of an older change: must change nothing.
      await sys.applyChange(c.key, Math.max(1, db.get(c.key)! - c.back))
    }
  }
  await drain(s, Promise.all(commands.map(step)))
  for (const key of ['a', 'b']) {
    const row = await drain(s, sys.getOrLoad(key, loader(key, true)))
    if (row?.version !== db.get(key))
      violations.push(`final ${key}: cached v${row?.version}, database v${db.get(key)}`)
  }
  if (violations.length > 0) throw new Error(violations.join('; '))
}

const property = (make: (s: fc.Scheduler) => System) =>
  fc.asyncProperty(
    fc.scheduler(),
    fc.array(commandArb, { minLength: 1, maxLength: 12 }),
    (s, cmds) => run(s, cmds, make),
  )

describe('ReadThroughCache monotonic versions (model-based)', () => {
  test('no read is older than the last acknowledged invalidation, under random interleavings', async () => {
    await fc.assert(property(cacheKit), { numRuns: 200 })
  }, 120_000)

  test('the same model check catches a naive cache-aside', async () => {
    const result = await fc.check(property(naive), { numRuns: 200 })
    expect(result.failed).toBe(true)
    console.log(
      `naive cache-aside counterexample: ${String((result.errorInstance as Error | undefined)?.message)}`,
    )
  })
})
