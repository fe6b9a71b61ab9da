/** One visible, undelivered outbox row, reduced to what orders it. */
export interface PendingRow {
  /** Commit time in microseconds since the epoch (0 when Postgres has none for it). */
  readonly commitMicros: number
  /**
   * The writing transaction, as a number: xid8 stays below 2^53 until a cluster has wrapped its
   * 32-bit xid two million times, so ordering by Number is exact in practice.
   */
  readonly xid: number
  readonly position: number
}

function byCommitOrder(a: PendingRow, b: PendingRow): number {
  return a.commitMicros - b.commitMicros || a.xid - b.xid || a.position - b.position
}

/**
 * The polling relay's in-memory index of rows that are visible, below the horizon and not yet
 * delivered, kept in commit order. Each row enters once, when its transaction falls below the
 * horizon, so a poll reads only rows written since the last one instead of the whole backlog.
 */
export class PendingRows {
  #rows: PendingRow[] = []
  #head = 0

  get size(): number {
    return this.#rows.length - this.#head
  }

  /** Adds rows that just fell below the horizon (in any order). */
  add(rows: readonly PendingRow[]): void {
    if (rows.length === 0) return
    const incoming = [...rows].sort(byCommitOrder)
    const last = this.#rows[this.#rows.length - 1]
    // The common case: newly finished transactions committed after everything waiting.
    if (this.size === 0 || byCommitOrder(last!, incoming[0]!) <= 0) {
      for (const row of incoming) this.#rows.push(row)
      return
    }
    this.#rows = mergeSorted(this.#rows.slice(this.#head), incoming)
    this.#head = 0
  }

  /** Up to `limit` rows in commit order, stopping before the first one at or after `fence`. */
  peek(limit: number, fence: number | null): PendingRow[] {
    const out: PendingRow[] = []
    for (let i = this.#head; i < this.#rows.length && out.length < limit; i++) {
      const row = this.#rows[i]!
      if (fence !== null && row.commitMicros >= fence) break
      out.push(row)
    }
    return out
  }

  /** Drops the first `count` rows (the ones just delivered by a `peek`). */
  shift(count: number): void {
    this.#head += count
    if (this.#head > 4096 && this.#head * 2 > this.#rows.length) {
      this.#rows = this.#rows.slice(this.#head)
      this.#head = 0
    }
  }

  /** The smallest xid still waiting, or undefined when nothing waits. */
  minXid(): number | undefined {
    let min: number | undefined
    for (let i = this.#head; i < this.#rows.length; i++) {
      const x = this.#rows[i]!.xid
      if (min === undefined || x < min) min = x
    }
    return min
  }
}

function mergeSorted(a: readonly PendingRow[], b: readonly PendingRow[]): PendingRow[] {
  const out: PendingRow[] = new Array<PendingRow>(a.length + b.length)
  let i = 0
  let j = 0
  let k = 0
  while (i < a.length && j < b.length)
    out[k++] = byCommitOrder(a[i]!, b[j]!) <= 0 ? a[i++]! : b[j++]!
  while (i < a.length) out[k++] = a[i++]!
  while (j < b.length) out[k++] = b[j++]!
  return out
}
