import type { CompletionEvent, HistoryEvent, InvokeEvent } from '../history/events.js'

/** A client operation: its invoke and its completion, paired by id. */
export interface Operation {
  readonly id: number
  readonly process: number
  readonly op: string
  readonly key?: string
  /** When the request went out, µs since run start. */
  readonly invokeTime: number
  /** When it completed; `Infinity` when the history ends first (then `type` is `info`). */
  readonly completeTime: number
  readonly type: 'ok' | 'fail' | 'info'
  /** The invoke's `value`. */
  readonly input: unknown
  /** The completion's `value`. */
  readonly output: unknown
  readonly status?: number
  readonly error?: string
}

/**
 * Pairs each `invoke` with its completion and hands the operation on. An operation still open
 * when the history ends is handed on as `info` (outcome unknown, as Jepsen treats it) by
 * {@link OperationPairer.finish}. Only operations `wants` accepts are kept, so a checker holds
 * state only for what it checks. Events that break the history's rules are counted, and
 * {@link OperationPairer.problem} names them: a checker cannot trust such a history.
 */
export class OperationPairer {
  private readonly open = new Map<number, InvokeEvent>()
  private orphans = 0
  private duplicates = 0
  private mismatched = 0
  private firstBadId: number | undefined

  constructor(
    private readonly onOperation: (operation: Operation) => void,
    private readonly wants: (op: string) => boolean = () => true,
  ) {}

  observe(event: HistoryEvent): void {
    if (event.type === 'invoke') this.invoked(event)
    else if (event.type === 'ok' || event.type === 'fail' || event.type === 'info') {
      this.completed(event)
    }
  }

  /** Hands on every operation still open, as `info`. */
  finish(): void {
    for (const invoke of this.open.values()) this.emit(invoke, undefined)
    this.open.clear()
  }

  /** What is wrong with the history, or undefined when nothing is. */
  problem(): string | undefined {
    const parts = [
      this.orphans > 0 ? `${this.orphans} completion(s) without an open invoke` : '',
      this.duplicates > 0 ? `${this.duplicates} invoke(s) reusing an open id` : '',
      this.mismatched > 0
        ? `${this.mismatched} completion(s) whose process or op differs from the invoke's`
        : '',
    ].filter((part) => part !== '')
    if (parts.length === 0) return undefined
    return `the history is malformed: ${parts.join(', ')} (first at id ${this.firstBadId})`
  }

  private invoked(event: InvokeEvent): void {
    if (!this.wants(event.op)) return
    if (this.open.has(event.id)) return this.bad('duplicates', event.id)
    this.open.set(event.id, event)
  }

  private completed(event: CompletionEvent): void {
    if (!this.wants(event.op)) return
    const invoke = this.open.get(event.id)
    if (invoke === undefined) return this.bad('orphans', event.id)
    if (invoke.process !== event.process || invoke.op !== event.op) this.bad('mismatched', event.id)
    this.open.delete(event.id)
    this.emit(invoke, event)
  }

  private bad(kind: 'orphans' | 'duplicates' | 'mismatched', id: number): void {
    this[kind]++
    this.firstBadId ??= id
  }

  private emit(invoke: InvokeEvent, done: CompletionEvent | undefined): void {
    this.onOperation({
      id: invoke.id,
      process: invoke.process,
      op: invoke.op,
      key: invoke.key ?? done?.key,
      invokeTime: invoke.time,
      completeTime: done?.time ?? Infinity,
      type: done?.type ?? 'info',
      input: invoke.value,
      output: done?.value,
      status: done?.status,
      error: done?.error,
    })
  }
}

/** Reads a property of an operation's `input` or `output`, which the history types leave open. */
export function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)[name]
    : undefined
}
