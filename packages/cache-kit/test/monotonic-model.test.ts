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

function scheduledStore(scheduler: fc.Scheduler): CacheStore {
  const inner = createMemoryCacheStore()
  const tick = (): Promise<void> => scheduler.schedule(Promise.resolve())
  return {
    peek: async (key) => (await tick(), inner.peek(key)),
    read: async (key, options) => (await tick(), inner.read(key, options)),
    fill: async (ticket, entry, options) => (await tick(), inner.fill(ticket, entry, options)),
    invalidate: async (key, request) => (await tick(), inner.invalidate(key, request)),
    invalidateTags: (tags, ttl) => inner.invalidateTags(tags, ttl),
    releaseLease: (key, owner) => inner.releaseLease(key, owner),
    close: () => inner.close(),
  }
}

function cacheKit(scheduler: fc.Scheduler): System {
  const cache = createCache({ store: scheduledStore(scheduler), l1: {}, leasePollMs: 1 })
  return {
    getOrLoad: (key, loader) =>
      cache.getOrLoad(key, (ctx) => loader((version) => ctx.report({ version }))),
    invalidate: (key, version) => cache.invalidate(key, version === undefined ? {} : { version }),
    applyChange: async (key, version) => void (await cache.applyChange({ key, version })),
  }
}

/** Cache-aside as most libraries do it: get, load on miss, set unconditionally; invalidate = delete. */
function naive(scheduler: fc.Scheduler): System {
  const map = new Map<string, Row>()
  const tick = (): Promise<void> => scheduler.schedule(Promise.resolve())
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
async function drain<T>(scheduler: fc.Scheduler, work: Promise<T>): Promise<T> {
  let done = false
  const settled = work.finally(() => (done = true))
  for (let turn = 0; turn < 10_000 && !done; turn += 1) {
    await scheduler.waitAll()
    await new Promise((resolve) => setTimeout(resolve, 0))
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
  scheduler: fc.Scheduler,
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
  const sys = make(scheduler)
  const violations: string[] = []
  const loader = (key: string, report: boolean) => async (rep: (v: number) => void) => {
    await scheduler.schedule(Promise.resolve())
    const row = { key, version: db.get(key)! }
    if (report) rep(row.version)
    await scheduler.schedule(Promise.resolve())
    await scheduler.schedule(Promise.resolve())
    return row
  }
  const ack = (key: string, version: number): void =>
    void acked.set(key, Math.max(acked.get(key)!, version))
  const step = async (command: Command): Promise<void> => {
    await scheduler.schedule(Promise.resolve())
    if (command.kind === 'read') {
      const floor = acked.get(command.key)!
      const row = await sys.getOrLoad(command.key, loader(command.key, command.report))
      if ((row?.version ?? 0) < floor)
        violations.push(`read ${command.key} -> v${row?.version} after ack of v${floor}`)
    } else if (command.kind === 'write') {
      const version = db.get(command.key)! + 1
      db.set(command.key, version)
      if (command.via === 'applyChange') await sys.applyChange(command.key, version)
      else
        await sys.invalidate(
          command.key,
          command.via === 'invalidate-versioned' ? version : undefined,
        )
      ack(command.key, version)
    } else {
      // A late duplicate of an older change: must change nothing.
      await sys.applyChange(command.key, Math.max(1, db.get(command.key)! - command.back))
    }
  }
  await drain(scheduler, Promise.all(commands.map(step)))
  for (const key of ['a', 'b']) {
    const row = await drain(scheduler, sys.getOrLoad(key, loader(key, true)))
    if (row?.version !== db.get(key))
      violations.push(`final ${key}: cached v${row?.version}, database v${db.get(key)}`)
  }
  if (violations.length > 0) throw new Error(violations.join('; '))
}

const property = (make: (s: fc.Scheduler) => System) =>
  fc.asyncProperty(
    fc.scheduler(),
    fc.array(commandArb, { minLength: 1, maxLength: 12 }),
    (scheduler, cmds) => run(scheduler, cmds, make),
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
