import type { HistoryEvent } from '../../../src/history/events.js'

/** One operation for {@link HistoryBuilder.op}. */
export interface OpSpec {
  readonly process?: number
  readonly op: string
  readonly key?: string
  /** Invoke and completion times, µs. */
  readonly at: number
  readonly until: number
  readonly type?: 'ok' | 'fail' | 'info'
  readonly input?: unknown
  readonly output?: unknown
  readonly status?: number
}

/**
 * Builds histories by hand for unit tests: each `op()` returns its id; `events()` returns them
 * sorted by time, as the recorder writes them (a completion after its invoke at equal times).
 */
export class HistoryBuilder {
  private readonly list: { event: HistoryEvent; seq: number }[] = []
  private nextId = 1
  private nextFault = 1000

  op(spec: OpSpec): number {
    const id = this.nextId++
    const process = spec.process ?? 0
    const base = { id, process, op: spec.op, ...(spec.key === undefined ? {} : { key: spec.key }) }
    this.push({ type: 'invoke', ...base, time: spec.at, workload: 'w', value: spec.input })
    if (spec.type !== undefined || spec.output !== undefined || spec.status !== undefined) {
      const status = spec.status === undefined ? {} : { status: spec.status }
      this.push({
        type: spec.type ?? 'ok',
        ...base,
        time: spec.until,
        value: spec.output,
        ...status,
      })
    } else {
      this.push({ type: 'ok', ...base, time: spec.until })
    }
    return id
  }

  /** A write of `key` acknowledged with `version`; its token is `tok-<id>`. */
  write(key: string, version: number, at: number, until: number, process = 0): number {
    const id = this.nextId
    return this.op({
      op: 'write-product',
      key,
      at,
      until,
      process,
      output: { version, token: `tok-${id}` },
    })
  }

  /** A delete of `key` acknowledged with `version`. */
  remove(key: string, version: number, at: number, until: number, process = 0): number {
    const id = this.nextId
    return this.op({
      op: 'delete-product',
      key,
      at,
      until,
      process,
      output: { version, token: `tok-${id}` },
    })
  }

  /** A read of `key` that returned `version` (null: not found), holding `token` if given. */
  read(
    key: string,
    version: number | null,
    at: number,
    until: number,
    options: { process?: number; token?: string } = {},
  ): number {
    const input = options.token === undefined ? {} : { token: options.token }
    return this.op({
      op: 'read-product',
      key,
      at,
      until,
      process: options.process ?? 1,
      input,
      output: { version },
    })
  }

  fault(
    fault: string,
    target: string,
    start: number,
    end: number | undefined,
    detail?: Record<string, unknown>,
  ): number {
    const id = this.nextFault++
    const extra = detail === undefined ? {} : { detail }
    this.push({ type: 'fault', phase: 'start', id, time: start, fault, target, ...extra })
    if (end !== undefined)
      this.push({ type: 'fault', phase: 'end', id, time: end, fault, target, ...extra })
    return id
  }

  mark(name: 'quiesced' | 'run-start' | 'run-end' | 'interrupted', time: number): this {
    this.push({ type: 'mark', name, time })
    return this
  }

  /** Adds a raw event as is. */
  push(event: HistoryEvent): void {
    this.list.push({ event, seq: this.list.length })
  }

  events(): HistoryEvent[] {
    return [...this.list]
      .sort((a, b) => a.event.time - b.event.time || a.seq - b.seq)
      .map((e) => e.event)
  }
}

/** A history that only says the system reached quiescence. */
export function quiescedHistory(): HistoryEvent[] {
  return new HistoryBuilder().mark('quiesced', 1).events()
}
