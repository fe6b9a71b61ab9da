import type { ErrorRecord } from './errors.js'
import type { DatabaseStatus } from './health/database-health.js'
import type { Direction } from './core/types.js'

/** What the orchestrator reports, after the transition it describes has committed. */
export type SagaEvent =
  | { readonly type: 'saga:started'; readonly sagaId: string; readonly sagaName: string }
  | {
      readonly type: 'saga:stashed'
      readonly sagaId: string
      readonly sagaName: string
      readonly lockKey: string
    }
  | {
      readonly type: 'saga:completed'
      readonly sagaId: string
      readonly sagaName: string
      readonly durationMs: number
    }
  | {
      readonly type: 'saga:compensating'
      readonly sagaId: string
      readonly sagaName: string
      readonly reason: ErrorRecord
    }
  | {
      readonly type: 'saga:compensated'
      readonly sagaId: string
      readonly sagaName: string
      readonly durationMs: number
    }
  | {
      readonly type: 'saga:failed'
      readonly sagaId: string
      readonly sagaName: string
      readonly step: string
      readonly error: ErrorRecord
    }
  | {
      readonly type: 'step:completed' | 'step:failed' | 'step:retrying' | 'step:timeout'
      readonly sagaId: string
      readonly sagaName: string
      readonly step: string
      readonly direction: Direction
      readonly attempt: number
      /** From the first attempt's start to this outcome. */
      readonly latencyMs: number
    }
  | { readonly type: 'message:dead-lettered'; readonly reason: string; readonly sagaId?: string }

/** Counters, step latencies and the database's reachability, as `orchestrator.metrics()` returns. */
export interface SagaMetricsSnapshot {
  readonly counters: Readonly<Record<SagaEvent['type'], number>>
  /** Latency percentiles of completed forward steps, in ms, over the last 10,000 samples. */
  readonly stepLatencyMs: {
    readonly count: number
    readonly p50: number
    readonly p99: number
    readonly max: number
  }
  /** Whether the saga database answers, and where it is (see {@link DatabaseStatus}). */
  readonly database: DatabaseStatus
}

const SAMPLE_LIMIT = 10_000

/** Aggregates {@link SagaEvent}s into counters and a bounded latency sample. */
export class SagaMetrics {
  readonly #counters = new Map<SagaEvent['type'], number>()
  readonly #latencies: number[] = []

  record(event: SagaEvent): void {
    this.#counters.set(event.type, (this.#counters.get(event.type) ?? 0) + 1)
    if (event.type === 'step:completed' && event.direction === 'invoke') {
      if (this.#latencies.length >= SAMPLE_LIMIT) this.#latencies.shift()
      this.#latencies.push(event.latencyMs)
    }
  }

  snapshot(): Omit<SagaMetricsSnapshot, 'database'> {
    const sorted = [...this.#latencies].sort((left, right) => left - right)
    const at = (quantile: number): number =>
      sorted[Math.min(sorted.length - 1, Math.floor(quantile * sorted.length))] ?? 0
    return {
      counters: Object.fromEntries(this.#counters) as Record<SagaEvent['type'], number>,
      stepLatencyMs: { count: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? 0 },
    }
  }
}
