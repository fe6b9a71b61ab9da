import * as hdr from 'hdr-histogram-js'
import type { Product } from './systems.js'

export type Histogram = hdr.Histogram

/** A histogram in microseconds, 1 µs to 60 s, 3 significant digits. */
export function histogram(): Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  })
}

/** p50/p99/p99.9 in milliseconds. */
export function percentiles(h: Histogram): { p50: number; p99: number; p999: number; max: number } {
  const ms = (us: number) => Math.round(us / 10) / 100
  return {
    p50: ms(h.getValueAtPercentile(50)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Seeded PRNG (mulberry32) so every system sees the same key sequence. */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Zipf(s) over `n` ranks: precomputed CDF, binary search per sample. */
export function zipf(n: number, s: number, random: () => number): () => number {
  const cdf = new Float64Array(n)
  let sum = 0
  for (let i = 0; i < n; i += 1) cdf[i] = sum += 1 / Math.pow(i + 1, s)
  for (let i = 0; i < n; i += 1) cdf[i] = (cdf[i] ?? 0) / sum
  return () => {
    const u = random()
    let lo = 0
    let hi = n - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((cdf[mid] ?? 1) < u) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}

/** The "database": rows with versions, a fixed latency per load, and a load counter. */
export class FakeDb {
  readonly #rows = new Map<string, number>()
  loads = 0
  constructor(readonly latencyMs: number) {}

  version(key: string): number {
    return this.#rows.get(key) ?? 1
  }

  write(key: string): number {
    const v = this.version(key) + 1
    this.#rows.set(key, v)
    return v
  }

  row(key: string): Product {
    return {
      id: key,
      name: `Product ${key} — a reasonably descriptive catalog title`,
      price: 1999,
      version: this.version(key),
      tags: ['catalog', 'bench', 'zipf'],
      updatedAt: '2026-11-28T00:00:00.000Z',
    }
  }

  async load(key: string): Promise<Product> {
    this.loads += 1
    if (this.latencyMs > 0) await sleep(this.latencyMs)
    return this.row(key)
  }
}

/** Result of a closed-loop run. */
export interface LoopResult {
  readonly ops: number
  readonly errors: number
  readonly elapsedMs: number
  readonly opsPerSec: number
}

/**
 * Runs `op` from `concurrency` workers in a closed loop for `durationMs`, recording each op's
 * latency (µs) into `hist` when given.
 */
export async function closedLoop(
  concurrency: number,
  durationMs: number,
  op: () => Promise<unknown>,
  hist?: Histogram,
): Promise<LoopResult> {
  let ops = 0
  let errors = 0
  const started = performance.now()
  const end = started + durationMs
  const worker = async () => {
    while (performance.now() < end) {
      const t0 = performance.now()
      try {
        await op()
      } catch {
        errors += 1
      }
      hist?.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)))
      ops += 1
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  const elapsedMs = performance.now() - started
  return { ops, errors, elapsedMs, opsPerSec: Math.round((ops / elapsedMs) * 1000) }
}

/** A promise with its resolve function exposed. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => (resolve = r))
  return { promise, resolve }
}

/** Remarks the scenarios want in the report (e.g. a run that did not measure what it meant to). */
export const notes: string[] = []

let prefixes = 0
/** A key prefix no earlier cell used, so no cell sees another cell's (or round's) entries. */
export function uniquePrefix(name: string): string {
  prefixes += 1
  return `${name}:${prefixes}:`
}
