import type { ResolvedOpenWorkload } from '@faultline/scenarios'
import type { SeededRandom } from '../random.js'
import { arrivalTimes } from './arrivals.js'
import type { LoadContext } from './load-context.js'
import { performSend, type Send } from './perform.js'
import { WorkloadStats } from './workload-stats.js'

type Pending = Omit<Send, 'process'>

/**
 * Runs an open workload: arrivals start on schedule whatever earlier ones are doing. With
 * `maxInFlight` operations open, further arrivals wait in a FIFO backlog and go out late (their
 * latency still counts from the intended time); past `maxBacklog` they are dropped and counted.
 * Each arrival's operation and invocation are drawn when it is due, in arrival order, so the mix
 * is the seed's whatever the timing.
 */
export class OpenWorkloadRunner {
  readonly stats: WorkloadStats
  private readonly random: SeededRandom
  private readonly backlog: Pending[] = []
  private readonly idle: number[] = []
  private processes = 0
  private arrivalsDone = false
  private timer: NodeJS.Timeout | undefined
  private finish: (() => void) | undefined
  private warnedGrowth = false

  constructor(
    private readonly context: LoadContext,
    private readonly workload: ResolvedOpenWorkload,
  ) {
    this.stats = new WorkloadStats(workload.name, 'open', context.loadStartUs)
    this.random = context.random.fork(`workload:${workload.name}`)
    for (let i = 0; i < workload.preAllocated; i++) this.idle.push(this.newProcess())
  }

  /** Resolves when every arrival was sent or dropped and every operation completed. */
  run(): Promise<void> {
    const times = arrivalTimes(this.workload)
    let next = times.next()
    return new Promise<void>((resolve) => {
      this.finish = resolve
      const onAbort = () => this.stop()
      this.context.signal.addEventListener('abort', onAbort, { once: true })
      const tick = (): void => {
        if (this.context.signal.aborted) return
        const nowMs = (this.context.clock.nowUs() - this.context.loadStartUs) / 1000
        while (next.done !== true && next.value <= nowMs) {
          this.arrive(next.value)
          next = times.next()
        }
        if (next.done === true) {
          this.arrivalsDone = true
          this.context.signal.removeEventListener('abort', onAbort)
          this.maybeFinish()
          return
        }
        this.timer = setTimeout(tick, Math.max(0, next.value - nowMs))
      }
      tick()
    })
  }

  private arrive(intendedMs: number): void {
    const index = this.random.weighted(this.workload.operations.map((o) => o.weight))
    const operation = this.workload.operations[index] as Pending['operation']
    const random = () => this.random.next()
    const invocation =
      operation.user === undefined
        ? this.context.target.prepare(operation.op, this.random)
        : (operation.user.invoke?.({ random }) ?? {})
    const pending: Pending = {
      operation,
      invocation,
      random,
      intendedUs: this.context.loadStartUs + Math.round(intendedMs * 1000),
      timeoutMs: this.workload.timeoutMs,
    }
    if (this.backlog.length === 0 && this.stats.inFlight < this.workload.maxInFlight)
      this.start(pending)
    else if (this.backlog.length < this.workload.maxBacklog) this.backlog.push(pending)
    else {
      this.stats.dropped++
      this.context.metrics.add('dropped_iterations', 1, { workload: this.workload.name })
    }
  }

  private start(pending: Pending): void {
    const process = this.idle.pop() ?? this.grow()
    void performSend(this.context, this.stats, { ...pending, process }).then((outcome) => {
      // A process whose operation's outcome is unknown is retired, as in Jepsen: it never issues again.
      this.idle.push(outcome.type === 'info' ? this.context.newProcessId() : process)
      const queued = this.context.signal.aborted ? undefined : this.backlog.shift()
      if (queued !== undefined) this.start(queued)
      this.maybeFinish()
    })
  }

  private grow(): number {
    if (!this.warnedGrowth && this.processes >= this.workload.preAllocated) {
      this.warnedGrowth = true
      this.context.warn(
        `workload '${this.workload.name}': more than preAllocated (${this.workload.preAllocated}) operations in flight; raise preAllocated if this was expected`,
      )
    }
    return this.newProcess()
  }

  private newProcess(): number {
    this.processes++
    return this.context.newProcessId()
  }

  private stop(): void {
    clearTimeout(this.timer)
    this.arrivalsDone = true
    this.backlog.length = 0
    this.maybeFinish()
  }

  private maybeFinish(): void {
    if (this.arrivalsDone && this.stats.inFlight === 0 && this.backlog.length === 0) this.finish?.()
  }
}
