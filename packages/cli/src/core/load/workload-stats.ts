import { createTrendHistogram, percentileMs, recordUs } from '../metrics/trend.js'

/** One workload's numbers over the last sampling interval (for progress and the dashboard). */
export interface WorkloadSample {
  readonly name: string
  readonly model: 'open' | 'closed'
  /** Operations completed per second over the interval. */
  readonly rps: number
  /** Latency percentiles over the interval, ms (null: nothing completed). */
  readonly p50Ms: number | null
  readonly p99Ms: number | null
  /** Completions over the interval that were not ok. */
  readonly errors: number
  readonly inFlight: number
  /** Totals since the start. */
  readonly sent: number
  readonly completed: number
  readonly failed: number
  readonly dropped: number
  readonly late: number
}

/** Live counters of one workload; `sample()` reads and resets the interval part. */
export class WorkloadStats {
  sent = 0
  completed = 0
  failed = 0
  dropped = 0
  late = 0
  inFlight = 0
  private interval = createTrendHistogram()
  private intervalCompleted = 0
  private intervalErrors = 0
  private intervalStartUs: number

  constructor(
    readonly name: string,
    readonly model: 'open' | 'closed',
    startUs: number,
  ) {
    this.intervalStartUs = startUs
  }

  /** Records a completion with its latency in µs. */
  complete(latencyUs: number, ok: boolean): void {
    this.completed++
    this.intervalCompleted++
    recordUs(this.interval, latencyUs)
    if (!ok) {
      this.failed++
      this.intervalErrors++
    }
  }

  /** The interval since the last sample, then starts a new one. */
  sample(nowUs: number): WorkloadSample {
    const seconds = Math.max(1e-3, (nowUs - this.intervalStartUs) / 1_000_000)
    const empty = this.intervalCompleted === 0
    const sample: WorkloadSample = {
      name: this.name,
      model: this.model,
      rps: round(this.intervalCompleted / seconds),
      p50Ms: empty ? null : percentileMs(this.interval, 50),
      p99Ms: empty ? null : percentileMs(this.interval, 99),
      errors: this.intervalErrors,
      inFlight: this.inFlight,
      sent: this.sent,
      completed: this.completed,
      failed: this.failed,
      dropped: this.dropped,
      late: this.late,
    }
    this.interval.reset()
    this.intervalCompleted = 0
    this.intervalErrors = 0
    this.intervalStartUs = nowUs
    return sample
  }
}

function round(value: number): number {
  return Math.round(value * 10) / 10
}
