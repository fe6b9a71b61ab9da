import type { Counterexample } from '../checkers/verdict.js'
import type { HistoryEvent } from '../history/events.js'

/** A read that returned an older version than one already acknowledged, as a point to plot. */
export interface StalePoint {
  /** Seconds after load start when the read began. */
  readonly t: number
  readonly key: string
  readonly readId: number
  readonly readVersion: number | null
  /** The newest version acknowledged before the read began. */
  readonly newerVersion: number
  /** True when the staleness checker calls it a violation (beyond its window, or a token read). */
  readonly violation: boolean
}

interface Ack {
  readonly time: number
  readonly version: number
}

interface Read {
  readonly id: number
  readonly time: number
  readonly version: number
}

const WRITES = new Set(['write-product', 'delete-product'])

/**
 * Collects, in one pass over the history, every read that returned an older version than a write
 * or delete acknowledged before the read began (within the staleness window or not), per key.
 * {@link StaleReadCollector.points} marks the ones the staleness checker's counterexamples name.
 */
export class StaleReadCollector {
  private readonly invokes = new Map<number, { op: string; key?: string; time: number }>()
  private readonly acks = new Map<string, Ack[]>()
  private readonly reads = new Map<string, Read[]>()
  private loadStartUs = 0

  /** Feeds one event (in file order). */
  observe(event: HistoryEvent): void {
    if (event.type === 'mark' && event.name === 'load-start') this.loadStartUs = event.time
    if (event.type === 'invoke') {
      this.invokes.set(event.id, {
        op: event.op,
        time: event.time,
        ...(event.key === undefined ? {} : { key: event.key }),
      })
      return
    }
    if (event.type !== 'ok') return
    const invoke = this.invokes.get(event.id)
    this.invokes.delete(event.id)
    if (invoke === undefined) return
    if (WRITES.has(invoke.op)) this.ack(invoke.key, event.time, event.value)
    else if (invoke.op === 'read-product')
      this.read(invoke.key, event.id, invoke.time, field(event.value, 'version'))
    else if (invoke.op === 'read-products') {
      const versions = field(event.value, 'versions')
      if (typeof versions === 'object' && versions !== null)
        for (const [key, version] of Object.entries(versions))
          this.read(key, event.id, invoke.time, version)
    }
  }

  /** The points, oldest first; `violations` are the staleness checker's counterexamples. */
  points(violations: readonly Counterexample[]): StalePoint[] {
    const flagged = new Set(violations.map((c) => `${c.key ?? ''}#${c.historyIds?.[0] ?? -1}`))
    const out: StalePoint[] = []
    for (const [key, reads] of this.reads) {
      const acks = [...(this.acks.get(key) ?? [])].sort((a, b) => a.time - b.time)
      const newest = runningMax(acks)
      for (const read of reads) {
        const bound = newestBefore(acks, newest, read.time)
        if (bound === undefined || read.version >= bound) continue
        out.push({
          t: (read.time - this.loadStartUs) / 1e6,
          key,
          readId: read.id,
          readVersion: read.version,
          newerVersion: bound,
          violation: flagged.has(`${key}#${read.id}`),
        })
      }
    }
    return out.sort((a, b) => a.t - b.t || a.readId - b.readId)
  }

  private ack(key: string | undefined, time: number, value: unknown): void {
    const version = field(value, 'version')
    if (key === undefined || typeof version !== 'number') return
    const list = this.acks.get(key) ?? []
    list.push({ time, version })
    this.acks.set(key, list)
  }

  private read(key: string | undefined, id: number, time: number, version: unknown): void {
    if (key === undefined || typeof version !== 'number') return
    const list = this.reads.get(key) ?? []
    list.push({ id, time, version })
    this.reads.set(key, list)
  }
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)[name]
    : undefined
}

function runningMax(acks: readonly Ack[]): number[] {
  const out: number[] = []
  let max = Number.NEGATIVE_INFINITY
  for (const ack of acks) out.push((max = Math.max(max, ack.version)))
  return out
}

/** The highest version acknowledged strictly before `time` (binary search over ack times). */
function newestBefore(
  acks: readonly Ack[],
  newest: readonly number[],
  time: number,
): number | undefined {
  let lo = 0
  let hi = acks.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((acks[mid] as Ack).time < time) lo = mid + 1
    else hi = mid
  }
  return lo === 0 ? undefined : newest[lo - 1]
}
