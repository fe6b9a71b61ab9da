import type { HistoryEvent } from '../history/events.js'

/** One history line in the report (values cut to a readable length). */
export interface ExcerptRow {
  /** The operation's id (invoke and completion share it); absent for faults and marks. */
  readonly id?: number
  /** Seconds after load start. */
  readonly t: number
  readonly type: string
  readonly process?: number
  readonly op?: string
  readonly key?: string
  readonly value?: string
  readonly status?: number
  readonly error?: string
  /** For fault events: `start latency link:…`. */
  readonly fault?: string
}

/** The excerpt and how much was left out. */
export interface HistoryExcerpt {
  readonly rows: readonly ExcerptRow[]
  /** Ids asked for that the excerpt holds. */
  readonly ids: readonly number[]
  readonly truncated: boolean
}

const MAX_VALUE = 160

/**
 * Keeps, in one pass, the invokes and completions of the operations `ids` names (the
 * counterexamples' history ids) and every fault event, up to `maxRows` lines, so the report can
 * link each counterexample to the lines that show it.
 */
export class ExcerptCollector {
  private readonly rows: ExcerptRow[] = []
  private readonly seen = new Set<number>()
  private loadStartUs = 0
  private truncated = false

  constructor(
    private readonly ids: ReadonlySet<number>,
    private readonly maxRows = 2000,
  ) {}

  /** Feeds one event (in file order). */
  observe(event: HistoryEvent): void {
    if (event.type === 'mark') {
      if (event.name === 'load-start') this.loadStartUs = event.time
      return
    }
    const wanted = event.type === 'fault' || this.ids.has(event.id)
    if (!wanted) return
    if (this.rows.length >= this.maxRows) {
      this.truncated = true
      return
    }
    if (event.type !== 'fault') this.seen.add(event.id)
    this.rows.push(this.row(event))
  }

  /** The excerpt. */
  result(): HistoryExcerpt {
    return { rows: this.rows, ids: [...this.seen].sort((a, b) => a - b), truncated: this.truncated }
  }

  private row(event: Exclude<HistoryEvent, { type: 'mark' }>): ExcerptRow {
    const t = (event.time - this.loadStartUs) / 1e6
    if (event.type === 'fault')
      return {
        t,
        type: 'fault',
        fault: `${event.phase} #${event.id} ${event.fault} ${event.target}`,
      }
    return {
      id: event.id,
      t,
      type: event.type,
      process: event.process,
      op: event.op,
      ...(event.key === undefined ? {} : { key: event.key }),
      ...(event.value === undefined ? {} : { value: cut(JSON.stringify(event.value)) }),
      ...('status' in event && event.status !== undefined ? { status: event.status } : {}),
      ...('error' in event && event.error !== undefined ? { error: cut(event.error) } : {}),
    }
  }
}

function cut(text: string): string {
  return text.length <= MAX_VALUE ? text : `${text.slice(0, MAX_VALUE - 1)}…`
}
