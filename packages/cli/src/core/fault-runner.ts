import type { RunClock } from './clock.js'
import { describeError } from './errors.js'
import type { HistoryRecorder } from './history/recorder.js'
import type { MetricsRegistry } from './metrics/registry.js'
import type { ScheduledFault } from './schedule.js'
import type { Revert, Target } from './target.js'

/** What happened to one scheduled fault. */
export interface FaultOutcome {
  readonly fault: ScheduledFault
  /** Run clock µs when it was applied and when its revert finished (absent: never). */
  readonly startedUs?: number
  readonly endedUs?: number
  /** Why applying or reverting failed. */
  readonly error?: string
}

/** Called when a fault starts or ends, for progress events. */
export type FaultListener = (phase: 'start' | 'end', outcome: FaultOutcome) => void

/** Options of {@link FaultRunner}. */
export interface FaultRunnerOptions {
  readonly target: Target
  readonly schedule: readonly ScheduledFault[]
  readonly recorder: HistoryRecorder
  readonly metrics: MetricsRegistry
  readonly clock: RunClock
  readonly signal: AbortSignal
  readonly onChange: FaultListener
}

/**
 * Applies the schedule on the run's timeline and reverts each fault when it ends. `revertAll()`
 * reverts whatever is still active (end of load, interrupt, error), so no fault outlives the run.
 * Start and end are recorded in the history on the operations' clock.
 */
export class FaultRunner {
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly active = new Map<
    number,
    { revert: Revert; startedUs: number; endTimer?: NodeJS.Timeout }
  >()
  private readonly outcomes = new Map<number, FaultOutcome>()
  private readonly pending = new Set<Promise<void>>()

  constructor(private readonly options: FaultRunnerOptions) {}

  /** Schedules every fault relative to `loadStartUs`. */
  start(loadStartUs: number): void {
    for (const fault of this.options.schedule) {
      const delayMs = (loadStartUs + fault.startMs * 1000 - this.options.clock.nowUs()) / 1000
      const timer = setTimeout(
        () => {
          this.timers.delete(timer)
          this.track(this.apply(fault, loadStartUs))
        },
        Math.max(0, delayMs),
      )
      this.timers.add(timer)
    }
  }

  /** Stops scheduling and reverts every active fault; resolves when all reverts finished. */
  async revertAll(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    await Promise.allSettled([...this.pending])
    await Promise.allSettled([...this.active.keys()].map((id) => this.end(id)))
  }

  /** Every scheduled fault's outcome, in schedule order. */
  results(): FaultOutcome[] {
    return this.options.schedule.map((fault) => this.outcomes.get(fault.id) ?? { fault })
  }

  private async apply(fault: ScheduledFault, loadStartUs: number): Promise<void> {
    if (this.options.signal.aborted) return
    const startedUs = this.options.clock.nowUs()
    this.record(fault, 'start', startedUs, {
      params: fault.params,
      scheduledMs: fault.startMs,
      ...this.targetDetail(fault),
    })
    try {
      const revert = await this.options.target.applyFault(fault, this.options.signal)
      const entry: { revert: Revert; startedUs: number; endTimer?: NodeJS.Timeout } = {
        revert,
        startedUs,
      }
      this.active.set(fault.id, entry)
      this.outcomes.set(fault.id, { fault, startedUs })
      this.options.onChange('start', { fault, startedUs })
      const endDelayMs = (loadStartUs + fault.endMs * 1000 - this.options.clock.nowUs()) / 1000
      entry.endTimer = setTimeout(() => this.track(this.end(fault.id)), Math.max(0, endDelayMs))
    } catch (error) {
      this.fail(fault, startedUs, `could not apply: ${describeError(error)}`)
    }
  }

  /** The target's own detail for the start event; a target that fails to give it is noted. */
  private targetDetail(fault: ScheduledFault): Readonly<Record<string, unknown>> {
    try {
      return this.options.target.faultDetail?.(fault) ?? {}
    } catch (error) {
      return { detailError: describeError(error) }
    }
  }

  private async end(id: number): Promise<void> {
    const entry = this.active.get(id)
    if (entry === undefined) return
    this.active.delete(id)
    clearTimeout(entry.endTimer)
    const fault = this.outcomes.get(id)?.fault as ScheduledFault
    try {
      await entry.revert()
      const endedUs = this.options.clock.nowUs()
      this.record(fault, 'end', endedUs)
      const outcome = { fault, startedUs: entry.startedUs, endedUs }
      this.outcomes.set(id, outcome)
      this.options.onChange('end', outcome)
    } catch (error) {
      this.fail(fault, entry.startedUs, `could not revert: ${describeError(error)}`)
    }
  }

  private fail(fault: ScheduledFault, startedUs: number, error: string): void {
    const endedUs = this.options.clock.nowUs()
    this.record(fault, 'end', endedUs, { error })
    this.options.metrics.add('fault_errors', 1, { kind: fault.kind })
    const outcome = { fault, startedUs, endedUs, error }
    this.outcomes.set(fault.id, outcome)
    this.options.onChange('end', outcome)
  }

  private record(
    fault: ScheduledFault,
    phase: 'start' | 'end',
    time: number,
    detail?: Record<string, unknown>,
  ): void {
    this.options.recorder.record({
      type: 'fault',
      phase,
      id: fault.id,
      time,
      fault: fault.kind,
      target: fault.target,
      ...(detail === undefined ? {} : { detail }),
    })
  }

  private track(work: Promise<void>): void {
    this.pending.add(work)
    void work.finally(() => this.pending.delete(work))
  }
}
