import { countAtMost, countBelow } from './sorted.js'

/** An acknowledged write or delete of one key: its version is visible from `ackTime` on. */
export interface AckedWrite {
  readonly id: number
  readonly ackTime: number
  readonly version: number
  readonly isDelete: boolean
}

/** A delete that may have taken effect from `invokeTime` on; `Infinity` version when unknown. */
export interface PossibleDelete {
  readonly invokeTime: number
  readonly version: number
}

/** A successful read of one key: `version` null means not found (absent or deleted). */
export interface KeyRead {
  readonly id: number
  readonly process: number
  readonly invokeTime: number
  readonly completeTime: number
  readonly version: number | null
  /** The acknowledged write whose token the read held, when it held one for this key. */
  readonly token?: AckedWrite
}

/**
 * One key's writes and deletes, indexed so that each read asks "which is the newest version
 * acknowledged before time t" and "could a delete newer than version v have happened before
 * time t" in O(log n).
 */
export class KeyIndex {
  private readonly ackTimes: number[]
  /** newest[i]: the acked write with the highest version among the first i + 1 by ack time. */
  private readonly newest: AckedWrite[]
  private readonly deleteTimes: number[]
  /** deleteMax[i]: the highest version among the first i + 1 possible deletes by invoke time. */
  private readonly deleteMax: number[]

  constructor(acked: AckedWrite[], deletes: PossibleDelete[]) {
    acked.sort((a, b) => a.ackTime - b.ackTime)
    this.ackTimes = acked.map((w) => w.ackTime)
    this.newest = prefixMax(acked, (a, b) => (b.version > a.version ? b : a))
    deletes.sort((a, b) => a.invokeTime - b.invokeTime)
    this.deleteTimes = deletes.map((d) => d.invokeTime)
    this.deleteMax = prefixMax(
      deletes.map((d) => d.version),
      (a, b) => Math.max(a, b),
    )
  }

  /** The newest version among writes acknowledged strictly before `time`, if any. */
  newestAckedBefore(time: number): AckedWrite | undefined {
    const n = countBelow(this.ackTimes, time)
    return n === 0 ? undefined : this.newest[n - 1]
  }

  /**
   * True when a delete of a version above `version` (or of unknown version) began by `time` (at
   * the same instant counts: the clock cannot order them, so the read gets the benefit).
   */
  deleteAfter(version: number, time: number): boolean {
    const n = countAtMost(this.deleteTimes, time)
    return n > 0 && this.deleteMax[n - 1]! > version
  }
}

function prefixMax<T>(items: readonly T[], pick: (best: T, next: T) => T): T[] {
  const out: T[] = new Array<T>(items.length)
  for (let i = 0; i < items.length; i++) out[i] = i === 0 ? items[0]! : pick(out[i - 1]!, items[i]!)
  return out
}

/**
 * Whether a read that returned `version` may be explained given that `required` was visible
 * when it began: a number at least the required version, or not-found when the required version
 * was a delete or a newer delete may have happened before the read returned.
 */
export function readExplained(
  index: KeyIndex,
  read: KeyRead,
  required: AckedWrite | undefined,
): boolean {
  if (required === undefined) return true
  if (read.version !== null) return read.version >= required.version
  return required.isDelete || index.deleteAfter(required.version, read.completeTime)
}
