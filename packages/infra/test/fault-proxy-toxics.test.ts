import { describe, expect, test } from 'vitest'
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

  test('reset_peer drops the chunk and resets after timeoutMs', async () => {
    const ctx = context()
    const start = performance.now()
    const out = await feed(STAGES.reset_peer({ timeoutMs: 50 }, ctx), [Buffer.from('x')])
    expect(out).toEqual([])
    expect(ctx.resets).toBe(1)
    expect(performance.now() - start).toBeGreaterThanOrEqual(45)
  })

  test('latency jitter stays within latencyMs ± jitterMs', async () => {
    const low = context(() => 0)
    const start = performance.now()
    await feed(STAGES.latency({ latencyMs: 60, jitterMs: 40 }, low), [Buffer.from('x')])
    const elapsed = performance.now() - start
    expect(elapsed).toBeGreaterThanOrEqual(19)
    expect(elapsed).toBeLessThan(55)
  })
})
