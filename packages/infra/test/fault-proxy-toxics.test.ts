import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest'
import type { Chunk } from '../src/fault-proxy/chunk.js'
import { STAGES } from '../src/fault-proxy/toxics/registry.js'
import type { StageContext, ToxicStage } from '../src/fault-proxy/toxics/stage.js'

/** A stage context that records what the toxic did to its connection. */
function context(random = () => 0.5): StageContext & { closed: number; resets: number } {
  const controller = new AbortController()
  const ctx = {
    signal: controller.signal,
    closed: 0,
    resets: 0,
    close: () => ctx.closed++,
    reset: () => ctx.resets++,
    random,
  }
  return ctx
}

async function feed(stage: ToxicStage, inputs: Buffer[]): Promise<Buffer[]> {
  const out: Buffer[] = []
  for (const data of inputs) {
    const chunk: Chunk = { data, timestamp: performance.now() }
    await stage.process(chunk, (next) => {
      out.push(next.data)
      return Promise.resolve()
    })
  }
  return out
}

describe('toxic stages', () => {
  test('slicer cuts into pieces within averageSize ± sizeVariation and keeps every byte', async () => {
    let seed = 1
    const random = (): number => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646
    const stage = STAGES.slicer({ averageSize: 10, sizeVariation: 4, delayUs: 0 }, context(random))
    const input = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 256))
    const pieces = await feed(stage, [input])
    expect(Buffer.concat(pieces).equals(input)).toBe(true)
    for (const piece of pieces.slice(0, -1)) {
      expect(piece.length).toBeGreaterThanOrEqual(6)
      expect(piece.length).toBeLessThanOrEqual(14)
    }
    expect(new Set(pieces.map((piece) => piece.length)).size).toBeGreaterThan(3)
  })

  test('limit_data forwards exactly `bytes` across chunks, then closes', async () => {
    const ctx = context()
    const stage = STAGES.limit_data({ bytes: 25 }, ctx)
    const out = await feed(stage, [Buffer.alloc(10), Buffer.alloc(10), Buffer.alloc(10)])
    expect(out.map((piece) => piece.length)).toEqual([10, 10, 5])
    expect(ctx.closed).toBeGreaterThanOrEqual(1)
  })

  test('limit_data does not close before the limit is reached', async () => {
    const ctx = context()
    await feed(STAGES.limit_data({ bytes: 100 }, ctx), [Buffer.alloc(99)])
    expect(ctx.closed).toBe(0)
  })
})

/** Feeds chunks without waiting, recording when (in fake ms) each piece came out. */
function release(stage: ToxicStage, inputs: Buffer[]): { at: number; bytes: number }[] {
  const out: { at: number; bytes: number }[] = []
  for (const data of inputs) {
    void stage.process({ data, timestamp: performance.now() }, (next) => {
      out.push({ at: performance.now(), bytes: next.data.length })
      return Promise.resolve()
    })
  }
  return out
}

/**
 * The schedules, exactly: timers and `performance.now()` are fake, so these hold on a busy
 * machine too. `stall(ms)` moves the clock without firing a timer, as a busy process does. The
 * integration tests check the same toxics through real sockets.
 */
describe('toxic schedules', () => {
  let skew = 0
  const stall = (ms: number): void => void (skew += ms)

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const base = Date.now()
    skew = 0
    vi.spyOn(performance, 'now').mockImplementation(() => Date.now() - base + skew)
  })
  afterEach(() => {
    vi.restoreAllMocks()
    vi.useRealTimers()
  })

  test('reset_peer drops the chunk and resets exactly timeoutMs after it arrived', async () => {
    const ctx = context()
    const out = release(STAGES.reset_peer({ timeoutMs: 50 }, ctx), [Buffer.from('x')])
    await vi.advanceTimersByTimeAsync(49)
    expect(ctx.resets).toBe(0)
    await vi.advanceTimersByTimeAsync(1)
    expect(ctx.resets).toBe(1)
    expect(out).toEqual([])
  })

  test.each([
    ['the low end', 0, 20],
    ['the middle', 0.5, 60],
    ['the high end', 0.9999, 99.992],
  ])(
    'latency 60 ± 40 at %s of the jitter holds a chunk exactly that long',
    async (_, roll, due) => {
      const out = release(
        STAGES.latency(
          { latencyMs: 60, jitterMs: 40 },
          context(() => roll),
        ),
        [Buffer.from('x')],
      )
      await vi.advanceTimersByTimeAsync(Math.ceil(due) - 1)
      expect(out).toEqual([])
      await vi.advanceTimersByTimeAsync(1)
      expect(out).toHaveLength(1)
      expect(out[0]?.at).toBeGreaterThanOrEqual(due)
    },
  )

  test('latency counts from arrival, so chunks queued together do not stack their delays', async () => {
    const stage = STAGES.latency({ latencyMs: 100, jitterMs: 0 }, context())
    const start = performance.now()
    const out: number[] = []
    const sink = (): Promise<void> => {
      out.push(performance.now() - start)
      return Promise.resolve()
    }
    const run = (async () => {
      for (const data of [Buffer.from('a'), Buffer.from('b'), Buffer.from('c')]) {
        await stage.process({ data, timestamp: start }, sink)
      }
    })()
    await vi.advanceTimersByTimeAsync(100)
    await run
    expect(out).toEqual([100, 100, 100])
  })

  test('bandwidth releases 100-ms slices on a timeline: 20 KB at 100 KB/s takes exactly 200 ms', async () => {
    const out = release(STAGES.bandwidth({ rateKBps: 100 }, context()), [Buffer.alloc(20_000)])
    await vi.advanceTimersByTimeAsync(99)
    expect(out).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(out).toEqual([{ at: 100, bytes: 10_000 }])
    await vi.advanceTimersByTimeAsync(100)
    expect(out).toEqual([
      { at: 100, bytes: 10_000 },
      { at: 200, bytes: 10_000 },
    ])
  })

  test('bandwidth makes up for lost time instead of adding it to every later piece', async () => {
    const stage = STAGES.bandwidth({ rateKBps: 100 }, context())
    const out: number[] = []
    const run = stage.process({ data: Buffer.alloc(40_000), timestamp: 0 }, () => {
      out.push(performance.now())
      if (out.length === 1) stall(250) // the process was busy for 250 ms after the first piece
      return Promise.resolve()
    })
    await vi.advanceTimersByTimeAsync(1_000)
    await run
    // 40 KB at 100 KB/s is due by 400 ms, the stall notwithstanding.
    expect(out).toEqual([100, 350, 350, 400])
  })

  test('bandwidth makes up at most a second after the destination pushed back for ten', async () => {
    const stage = STAGES.bandwidth({ rateKBps: 1 }, context())
    const out: number[] = []
    const run = stage.process({ data: Buffer.alloc(2_000), timestamp: 0 }, () => {
      out.push(performance.now())
      if (out.length === 1) stall(10_000)
      return Promise.resolve()
    })
    await vi.advanceTimersByTimeAsync(2_000)
    await run
    // 100-byte pieces at 1 KB/s are due 100 ms apart: ten go at once, then the rate resumes.
    const resumed = Array.from({ length: 9 }, (_, i) => 10_200 + i * 100)
    expect(out).toEqual([100, ...Array<number>(10).fill(10_100), ...resumed])
  })
})
