import type { PartitionOffset } from './ports.js'

/** How far a consumer group is behind on one partition. */
export interface PartitionLag {
  readonly topic: string
  readonly partition: number
  /** The offset the next message will get. */
  readonly endOffset: string
  /** The next offset the group will process. */
  readonly position: string
  /** `endOffset - position`, never negative. */
  readonly lag: number
}

/**
 * Lag per partition from end offsets and the group's positions (committed offsets and what this
 * instance processed; the furthest wins). A partition without a position counts from 0.
 */
export function partitionLag(
  ends: readonly PartitionOffset[],
  positions: readonly PartitionOffset[],
): PartitionLag[] {
  const best = new Map<string, bigint>()
  for (const p of positions) {
    const key = `${p.topic}\u0000${p.partition}`
    const at = BigInt(p.offset)
    if (at > (best.get(key) ?? -1n)) best.set(key, at)
  }
  return ends.map((e) => {
    const position = best.get(`${e.topic}\u0000${e.partition}`) ?? 0n
    const lag = BigInt(e.offset) - position
    return {
      topic: e.topic,
      partition: e.partition,
      endOffset: e.offset,
      position: String(position),
      lag: lag > 0n ? Number(lag) : 0,
    }
  })
}

/** The total lag over every partition. */
export function totalLag(lags: readonly PartitionLag[]): number {
  return lags.reduce((sum, l) => sum + l.lag, 0)
}
